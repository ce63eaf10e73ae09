/**
 * emulator/datagrams: the UDP payloads AWS would send for the frames of capture files, with
 * every frame read through decode/. Real pcap files in a temp dir, no sockets.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareDatagrams, type PrepareOptions } from '../../src/emulator/datagrams.js';
import { symmetricSourcePortOfFrame } from '../../src/emulator/source-port.js';
import { buildPcap } from '../../src/output/pcap-writer.js';
import { awsVxlan, bytes, concat, eth, innerTcpFrame, ipv4, nullHdr, sll, tcp, udp } from '../decode/builders.js';

const dir = mkdtempSync(path.join(tmpdir(), 'datagrams-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function pcapOf(frames: Uint8Array[], linktype: number): string {
  const f = path.join(dir, `in-${n++}.pcap`);
  writeFileSync(f, buildPcap(frames.map((data, i) => ({ data, tsSec: 1, tsNsec: i })), { linktype }));
  return f;
}

const OPTS: PrepareOptions = { vni: 77, packetLength: 0, alreadyWrapped: false };
const datagram = (prep: ReturnType<typeof prepareDatagrams>, i: number) => prep.arena.subarray(prep.offsets[i]!, prep.offsets[i]! + prep.lengths[i]!);
const vxlanHeader = (vni: number) => bytes(0x08, 0, 0, 0, vni >> 16, (vni >> 8) & 0xff, vni & 0xff, 0);

describe('prepareDatagrams', () => {
  it('wraps an Ethernet frame: VXLAN header + frame, flow-hash source port', () => {
    const frame = innerTcpFrame();
    const prep = prepareDatagrams([pcapOf([frame], 1)], OPTS);
    expect(prep.count).toBe(1);
    expect(Buffer.from(datagram(prep, 0))).toEqual(Buffer.from(concat(vxlanHeader(77), frame)));
    expect(prep.sports[0]).toBe(symmetricSourcePortOfFrame(frame, 0, frame.length));
    expect(prep.stats).toMatchObject({ framesRead: 1, wrapped: 1, passedThrough: 0, truncated: 0, skipped: 0 });
  });

  it('cuts to PacketLength bytes after the VXLAN header; the port is still the whole frame hash', () => {
    const frame = innerTcpFrame(new Uint8Array(200));
    const prep = prepareDatagrams([pcapOf([frame], 1)], { ...OPTS, packetLength: 64 });
    expect(prep.lengths[0]).toBe(8 + 64);
    expect(prep.stats.truncated).toBe(1);
    expect(prep.sports[0]).toBe(symmetricSourcePortOfFrame(frame, 0, frame.length));
  });

  it('passes a VXLAN datagram (UDP to 4789) through as its UDP payload, keeping an AWS-range port', () => {
    const inner = innerTcpFrame();
    const mirrored = awsVxlan(inner, 9, { sport: 65500 });
    const other = awsVxlan(inner, 9, { sport: 1234 });
    const prep = prepareDatagrams([pcapOf([mirrored, other], 1)], OPTS);
    expect(prep.stats.passedThrough).toBe(2);
    expect(Buffer.from(datagram(prep, 0))).toEqual(Buffer.from(concat(vxlanHeader(9), inner)));
    expect(prep.sports[0]).toBe(65500);
    expect(prep.sports[1]).toBe(symmetricSourcePortOfFrame(inner, 0, inner.length));
  });

  it('--already-wrapped: any UDP port passes through, non-UDP frames are skipped', () => {
    const udpFrame = eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({ sport: 1, dport: 9999 }, bytes(1, 2, 3))));
    const prep = prepareDatagrams([pcapOf([udpFrame, innerTcpFrame()], 1)], { ...OPTS, alreadyWrapped: true });
    expect(prep.count).toBe(1);
    expect(Array.from(datagram(prep, 0))).toEqual([1, 2, 3]);
    expect(prep.stats).toMatchObject({ passedThrough: 1, skipped: 1 });
  });

  it('gives SLL frames an Ethernet header with the SLL address as source MAC, VLAN tags kept', () => {
    const payload = concat(bytes(0, 42, 0x08, 0x00), ipv4({ proto: 6 }, tcp()));
    const rec = sll(0x8100, payload);
    rec.set([0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f], 6); // the 6-byte link-layer address
    const prep = prepareDatagrams([pcapOf([rec], 113)], OPTS);
    expect(prep.stats.wrapped).toBe(1);
    const expected = concat(bytes(2, 0, 0, 0, 0, 2), bytes(0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f), bytes(0x81, 0x00), payload);
    expect(Buffer.from(datagram(prep, 0).subarray(8))).toEqual(Buffer.from(expected));
  });

  it('gives NULL/raw frames a made-up Ethernet header; an unknown loopback family is skipped', () => {
    const ip = ipv4({ proto: 6 }, tcp());
    const prep = prepareDatagrams([pcapOf([nullHdr(2, true, ip), nullHdr(7, true, ip)], 0)], OPTS);
    expect(prep.stats).toMatchObject({ wrapped: 1, skipped: 1 });
    expect(Buffer.from(datagram(prep, 0).subarray(8))).toEqual(Buffer.from(concat(bytes(2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00), ip)));
    const raw = prepareDatagrams([pcapOf([ip], 101)], OPTS);
    expect(raw.stats.wrapped).toBe(1);
    expect(raw.lengths[0]).toBe(8 + 14 + ip.length);
  });
});
