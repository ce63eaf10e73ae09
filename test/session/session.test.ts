import { describe, expect, it } from 'vitest';
import { VniMap } from '../../src/session/vni-map.js';
import { AddressSet } from '../../src/session/address-set.js';
import { SessionResolver } from '../../src/session/session-stage.js';
import { parseCidr, type ParsedCidr } from '../../src/net/cidr.js';
import { Pipeline, DropCause } from '../../src/pipeline/pipeline.js';
import { Direction, TunnelKind } from '../../src/decode/packet-view.js';
import { loadConfig } from '../../src/config/load.js';
import type { MirrorsinkConfig } from '../../src/config/schema.js';
import { innerFrame, tmpDir, vxlan, writeConfig, type InnerSpec } from '../server/harness.js';

const cidr = (s: string) => parseCidr(s) as ParsedCidr;

function configOf(yaml: string): MirrorsinkConfig {
  return loadConfig({ file: writeConfig(tmpDir(), yaml), env: {} }).config;
}

function ip4(s: string): number {
  return s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}

/** A pipeline whose only stage is the session resolver, fed like the UDP socket feeds it. */
function rig(yaml: string) {
  const pipeline = new Pipeline();
  const resolver = SessionResolver.fromConfig(configOf(yaml), pipeline.drops);
  pipeline.setStages({ session: resolver });
  const seen: { session: number; direction: Direction }[] = [];
  pipeline.setStages({ session: resolver, outputs: [{ write: (p) => seen.push({ session: p.sessionIndex, direction: p.direction }) }] });
  const send = (vni: number, inner: InnerSpec, outerSrc = '10.0.1.10') => {
    const d = vxlan(vni, innerFrame(inner));
    const before = seen.length;
    pipeline.onTunnelDatagram(d, 0, d.length, TunnelKind.Vxlan, 4, ip4(outerSrc), ip4('10.0.100.5'), null, 65500, 4789, 1, 0);
    return seen.length > before ? seen[seen.length - 1]! : null;
  };
  return { pipeline, resolver, send };
}

describe('VniMap', () => {
  it('maps 24-bit VNIs, reports misses, and survives collisions', () => {
    const m = new VniMap(1000);
    const vnis = Array.from({ length: 1000 }, (_, i) => (i * 7919 * 4099) % 0x1000000);
    vnis.forEach((v, i) => m.set(v, i));
    vnis.forEach((v, i) => expect(m.get(v)).toBe(i));
    expect(m.get(0xfffffe)).toBe(-1);
    expect(m.size).toBe(new Set(vnis).size);
    expect(() => m.set(0x1000000, 1)).toThrow(RangeError);
  });
});

describe('AddressSet', () => {
  it('matches IPv4 ranges (incl. the top of the address space) and IPv6 prefixes', () => {
    const s = new AddressSet([cidr('10.0.1.10'), cidr('10.0.1.32/28'), cidr('255.255.255.0/24'), cidr('2001:db8:1::/64')]);
    expect(s.has4(ip4('10.0.1.10'))).toBe(true);
    expect(s.has4(ip4('10.0.1.11'))).toBe(false);
    expect(s.has4(ip4('10.0.1.47'))).toBe(true);
    expect(s.has4(ip4('10.0.1.48'))).toBe(false);
    expect(s.has4(ip4('255.255.255.255') | 0)).toBe(true); // signed form too
    expect(s.has6(Uint32Array.of(0x20010db8, 0x00010000, 0, 5))).toBe(true);
    expect(s.has6(Uint32Array.of(0x20010db8, 0x00020000, 0, 5))).toBe(false);
    expect(new AddressSet([cidr('0.0.0.0/0')]).has4(ip4('1.2.3.4'))).toBe(true);
  });
});

describe('session resolution and direction', () => {
  const SESSIONS = `
sessions:
  - name: eni-a
    vni: 101
    addresses: [10.0.1.10, "2001:db8:1::10", 10.0.1.64/26]
    mac: 02:00:0a:00:01:0a
  - name: eni-b-mac
    vni: 102
    direction_mode: mac
    mac: 02:00:0a:00:02:14
  - name: db-in
    vni: 201
    direction: ingress
  - name: db-out
    vni: 202
    direction: egress
  - name: shared-1
    vni: 300
    primary_address: 10.0.3.1
  - name: shared-2
    vni: 300
    primary_address: 10.0.3.2
`;

  it('addresses: inner source in the ENI set = egress, destination = ingress (IPv4, IPv6, prefixes)', () => {
    const { send } = rig(SESSIONS);
    expect(send(101, { src: '10.0.1.10', dst: '8.8.8.8' })).toEqual({ session: 0, direction: Direction.Egress });
    expect(send(101, { src: '8.8.8.8', dst: '10.0.1.10' })).toEqual({ session: 0, direction: Direction.Ingress });
    expect(send(101, { src: '10.0.1.100', dst: '10.9.9.9' })).toEqual({ session: 0, direction: Direction.Egress }); // delegated prefix
    expect(send(101, { src: '2001:db8:1::10', dst: '2001:db8:9::1' })).toEqual({ session: 0, direction: Direction.Egress });
    expect(send(101, { src: '2001:db8:9::1', dst: '2001:db8:1::10' })).toEqual({ session: 0, direction: Direction.Ingress });
  });

  it('auto falls back to the MAC, then to the outer source', () => {
    const { send } = rig(SESSIONS);
    // Neither address belongs to the ENI: the MAC decides.
    expect(send(101, { src: '1.1.1.1', dst: '2.2.2.2', srcMac: '02:00:0a:00:01:0a' })).toEqual({ session: 0, direction: Direction.Egress });
    expect(send(101, { src: '1.1.1.1', dst: '2.2.2.2', dstMac: '02:00:0a:00:01:0a' })).toEqual({ session: 0, direction: Direction.Ingress });
    // Nothing matches at all.
    expect(send(101, { src: '1.1.1.1', dst: '2.2.2.2' })).toEqual({ session: 0, direction: Direction.Unknown });
  });

  it('mac mode looks only at MACs', () => {
    const { send } = rig(SESSIONS);
    expect(send(102, { src: '10.0.2.20', dst: '1.1.1.1', srcMac: '02:00:0a:00:02:14' })).toEqual({ session: 1, direction: Direction.Egress });
    expect(send(102, { src: '1.1.1.1', dst: '10.0.2.20', dstMac: '02:00:0a:00:02:14' })).toEqual({ session: 1, direction: Direction.Ingress });
    expect(send(102, { src: '10.0.2.20', dst: '1.1.1.1' }, '10.0.2.20')).toEqual({ session: 1, direction: Direction.Unknown });
  });

  it('per-direction VNIs name the direction whatever the addresses say', () => {
    const { send } = rig(SESSIONS);
    expect(send(201, { src: '10.0.5.5', dst: '1.1.1.1' })).toEqual({ session: 2, direction: Direction.Ingress });
    expect(send(202, { src: '1.1.1.1', dst: '10.0.5.5' })).toEqual({ session: 3, direction: Direction.Egress });
  });

  it('sessions sharing a VNI are told apart by the outer source (the ENI primary IP)', () => {
    const { send } = rig(SESSIONS);
    expect(send(300, { src: '10.0.3.2', dst: '1.1.1.1' }, '10.0.3.2')).toEqual({ session: 5, direction: Direction.Egress });
    expect(send(300, { src: '1.1.1.1', dst: '10.0.3.1' }, '10.0.3.1')).toEqual({ session: 4, direction: Direction.Ingress });
    // Neither primary: unknown session.
    expect(send(300, { src: '1.1.1.1', dst: '2.2.2.2' }, '10.0.3.3')?.session).toBe(-1);
  });

  it('outer IPv4 addresses above 2^31 work whether a source passes them unsigned or as int32 bits', () => {
    const { pipeline } = rig(SESSIONS);
    const d = vxlan(300, innerFrame({ src: '1.1.1.1', dst: '2.2.2.2' }));
    const a = ip4('172.31.5.9');
    for (const src4 of [a, a | 0]) {
      pipeline.onTunnelDatagram(d, 0, d.length, TunnelKind.Vxlan, 4, src4, ip4('192.168.1.1') | 0, null, 65500, 4789, 1, 0);
      expect(pipeline.view.outerSrc4).toBe(0xac1f0509);
      expect(pipeline.view.outerDst4).toBe(0xc0a80101);
    }
  });

  it('unknown VNIs: processed as "unknown" (direction from the outer source) or dropped and counted', () => {
    const a = rig(SESSIONS);
    expect(a.send(999, { src: '10.0.7.7', dst: '1.1.1.1' }, '10.0.7.7')).toEqual({ session: -1, direction: Direction.Egress });
    expect(a.send(999, { src: '1.1.1.1', dst: '10.0.7.7' }, '10.0.7.7')).toEqual({ session: -1, direction: Direction.Ingress });
    expect(a.pipeline.drops[DropCause.UnknownVni]).toBe(0);
    const snap = a.resolver.counters.snapshot();
    expect(snap.at(-1)).toMatchObject({ name: 'unknown', vni: null, packets: { egress: 1, ingress: 1, unknown: 0, total: 2 }, bytes: { total: 200 } });

    const b = rig(SESSIONS + 'unknown_vni: drop\n');
    expect(b.send(999, { src: '10.0.7.7', dst: '1.1.1.1' })).toBeNull();
    expect(b.pipeline.drops[DropCause.UnknownVni]).toBe(1);
    expect(b.resolver.counters.snapshot().at(-1)!.packets.total).toBe(0);
  });

  it('senders outside allowed_senders are dropped and counted', () => {
    const { send, pipeline, resolver } = rig(SESSIONS + 'allowed_senders: [10.0.0.0/16]\n');
    expect(send(101, { src: '10.0.1.10', dst: '1.1.1.1' }, '10.0.1.10')).not.toBeNull();
    expect(send(101, { src: '10.0.1.10', dst: '1.1.1.1' }, '10.1.1.10')).toBeNull();
    expect(pipeline.drops[DropCause.DisallowedSender]).toBe(1);
    expect(resolver.counters.snapshot()[0]!.packets.total).toBe(1);
  });

  it('counts packets and inner-frame bytes per session and direction; a reload carries the counts', () => {
    const { send, resolver, pipeline } = rig(SESSIONS);
    send(101, { src: '10.0.1.10', dst: '1.1.1.1', frameLen: 1400 });
    send(101, { src: '10.0.1.10', dst: '1.1.1.1', frameLen: 9001 });
    send(101, { src: '1.1.1.1', dst: '10.0.1.10', frameLen: 64 });
    const s = resolver.counters.snapshot()[0]!;
    expect(s.packets).toEqual({ unknown: 0, ingress: 1, egress: 2, total: 3 });
    expect(s.bytes).toEqual({ unknown: 0, ingress: 64, egress: 10401, total: 10465 });
    const next = SessionResolver.fromConfig(configOf(SESSIONS.replace('name: eni-b-mac', 'name: renamed')), pipeline.drops, resolver);
    const snap = next.counters.snapshot();
    expect(snap[0]!.packets.total).toBe(3);
    expect(snap[1]!.name).toBe('renamed');
  });
});
