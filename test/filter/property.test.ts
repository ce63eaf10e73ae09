/**
 * Property test: the compiled filter (bucketed by protocol and port segments) agrees with a
 * straightforward reference evaluator written here (linear scan in ascending rule number,
 * BigInt address arithmetic, no shared code) on verdict and deciding rule, for random rule sets
 * (up to 60 rules per direction, well over AWS's 10), random packets, directions, unknown-
 * direction policies and amazon-dns settings. explain's rule-by-rule walk must agree as well.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Direction, PacketView } from '../../src/decode/packet-view.js';
import { compileFilter, type DirectionUnknownPolicy } from '../../src/filter/compile.js';
import { explainPacket, type PacketSpec } from '../../src/filter/explain.js';
import type { MirrorFilter, MirrorFilterRule } from '../../src/filter/model.js';

// ---------- generated shapes ----------
interface GRange { from: number; to: number }
interface GRule {
  num: number;
  accept: boolean;
  proto: number | null;
  sp: GRange | null;
  dp: GRange | null;
  fam: 4 | 6;
  src: bigint;
  srcLen: number;
  dst: bigint;
  dstLen: number;
}
interface GPacket {
  fam: 0 | 4 | 6;
  proto: number;
  sport: number;
  dport: number;
  src: bigint;
  dst: bigint;
}

const PORTS = [0, 1, 21, 22, 23, 53, 79, 80, 81, 443, 1023, 1024, 8080, 32768, 65534, 65535];
const V4_BASES = [0x0a000000n, 0x0a010000n, 0xc0a80000n, 0xc0a80101n, 0xffffffffn, 0x08080808n];
const V6_BASES = [
  0x20010db8000000000000000000000000n,
  0x20010db8000100000000000000000001n,
  0xfd000ec2000000000000000000000253n,
  0xfe800000000000000000000000000001n,
  0xffffffffffffffffffffffffffffffffn,
];

const port = fc.oneof(fc.constantFrom(...PORTS), fc.integer({ min: 0, max: 65535 }));
const range: fc.Arbitrary<GRange> = fc.tuple(port, port).map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) }));
const addr = (fam: 4 | 6) => fc.oneof(
  fc.constantFrom(...(fam === 4 ? V4_BASES : V6_BASES)),
  fc.tuple(fc.constantFrom(...(fam === 4 ? V4_BASES : V6_BASES)), fc.bigInt({ min: 0n, max: 0xffffn })).map(([b, x]) => b ^ x),
  fam === 4 ? fc.bigInt({ min: 0n, max: 0xffffffffn }) : fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
);
const prefix = (fam: 4 | 6) => fc.oneof(
  fc.constantFrom(...(fam === 4 ? [0, 8, 16, 24, 31, 32] : [0, 16, 32, 48, 64, 127, 128])),
  fc.integer({ min: 0, max: fam === 4 ? 32 : 128 }),
);
const protoArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<number | null>(null, 6, 17) },
  { weight: 1, arbitrary: fc.constantFrom<number | null>(1, 58, 47) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 255 }) },
);

const ruleBody = fc.constantFrom<4 | 6>(4, 4, 6).chain((fam) =>
  fc.record({
    accept: fc.boolean(),
    proto: protoArb,
    sp: fc.option(range, { freq: 3 }),
    dp: fc.option(range, { freq: 2 }),
    fam: fc.constant(fam),
    src: addr(fam),
    srcLen: prefix(fam),
    dst: addr(fam),
    dstLen: prefix(fam),
  }),
);

const rules = (max: number): fc.Arbitrary<GRule[]> =>
  fc.uniqueArray(fc.integer({ min: 1, max: 32766 }), { maxLength: max }).chain((nums) =>
    fc.tuple(...nums.map(() => ruleBody)).map((bodies) => bodies.map((b, i) => ({ ...b, num: nums[i]! }))),
  );

/** Any packet (IPv4, IPv6 or non-IP). */
const packetArb: fc.Arbitrary<GPacket> = fc.constantFrom<0 | 4 | 6>(4, 4, 4, 6, 6, 0).chain((fam) => {
  const f = fam === 0 ? 4 : fam;
  return fc.record({
    fam: fc.constant(fam),
    proto: fc.oneof(fc.constantFrom(6, 6, 17, 17, 1, 58, 47, -1), fc.integer({ min: 0, max: 255 })),
    sport: fc.oneof({ weight: 1, arbitrary: fc.constant(-1) }, { weight: 6, arbitrary: port }),
    dport: port,
    src: addr(f),
    dst: addr(f),
  }).map((x) => (x.sport < 0 ? { ...x, dport: -1 } : x));
});

/** A packet aimed at `r`: inside (or just outside) its networks and port ranges. */
function packetNear(r: GRule): fc.Arbitrary<GPacket> {
  const w = r.fam === 4 ? 32 : 128;
  const all = (1n << BigInt(w)) - 1n;
  const inside = (net: bigint, len: number) => {
    const host = len >= w ? 0n : (1n << BigInt(w - len)) - 1n;
    const base = net & (all ^ host);
    return fc.oneof(
      { weight: 10, arbitrary: fc.bigInt({ min: 0n, max: host }).map((x) => base | x) },
      { weight: 1, arbitrary: fc.constant(len === 0 ? base : base ^ (1n << BigInt(w - len))) }, // just outside
      { weight: 1, arbitrary: addr(r.fam) },
    );
  };
  const inRange = (g: GRange | null) => g === null
    ? port
    : fc.oneof(
        { weight: 10, arbitrary: fc.integer({ min: g.from, max: g.to }) },
        { weight: 2, arbitrary: fc.constantFrom(g.from, g.to, Math.max(0, g.from - 1), Math.min(65535, g.to + 1)) },
        { weight: 1, arbitrary: port },
      );
  const proto = fc.oneof(
    { weight: 8, arbitrary: r.proto !== null ? fc.constant(r.proto) : r.sp || r.dp ? fc.constantFrom(6, 17) : fc.constantFrom(6, 17, 1, 58, 47) },
    { weight: 1, arbitrary: fc.constantFrom(6, 17, 1, -1) },
  );
  return fc.record({
    fam: fc.constant(r.fam),
    proto,
    sport: fc.oneof({ weight: 15, arbitrary: inRange(r.sp) }, { weight: 1, arbitrary: fc.constant(-1) }),
    dport: inRange(r.dp),
    src: inside(r.src, r.srcLen),
    dst: inside(r.dst, r.dstLen),
  }).map((x) => (x.sport < 0 ? { ...x, dport: -1 } : x));
}

function packetsFor(list: GRule[]): fc.Arbitrary<GPacket> {
  if (list.length === 0) return packetArb;
  return fc.oneof({ weight: 1, arbitrary: packetArb }, { weight: 4, arbitrary: fc.constantFrom(...list).chain(packetNear) });
}

// ---------- conversion to the model (the thing under test reads text CIDRs) ----------
function v4text(a: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => ((a >> s) & 255n).toString()).join('.');
}
function v6text(a: bigint): string {
  const g: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) g.push(((a >> s) & 0xffffn).toString(16));
  return g.join(':'); // uncompressed on purpose: exercises the parser's other path
}
function cidrText(fam: 4 | 6, a: bigint, len: number): string {
  return `${fam === 4 ? v4text(a) : v6text(a)}/${len}`;
}

function toModel(ingress: GRule[], egress: GRule[], dns: boolean): MirrorFilter {
  const conv = (direction: 'ingress' | 'egress') => (r: GRule): MirrorFilterRule => ({
    direction,
    ruleNumber: r.num,
    action: r.accept ? 'accept' : 'reject',
    protocol: r.proto,
    srcPorts: r.sp,
    dstPorts: r.dp,
    srcCidr: cidrText(r.fam, r.src, r.srcLen),
    dstCidr: cidrText(r.fam, r.dst, r.dstLen),
  });
  // deliberately unsorted: the compiler must order by rule number itself
  return { networkServices: dns ? ['amazon-dns'] : [], ingress: ingress.map(conv('ingress')), egress: egress.map(conv('egress')) };
}

function fillView(p: PacketView, g: GPacket): void {
  p.reset();
  if (g.fam === 0) return; // non-IP (ARP...)
  p.ipVersion = g.fam;
  p.ipProto = g.proto;
  p.sport = g.sport;
  p.dport = g.dport;
  if (g.fam === 4) {
    p.src4 = Number(g.src);
    p.dst4 = Number(g.dst);
  } else {
    for (let i = 0; i < 4; i++) {
      p.src6[i] = Number((g.src >> BigInt(96 - 32 * i)) & 0xffffffffn);
      p.dst6[i] = Number((g.dst >> BigInt(96 - 32 * i)) & 0xffffffffn);
    }
  }
}

// ---------- the reference evaluator ----------
function inNet(fam: 4 | 6, a: bigint, net: bigint, len: number): boolean {
  const w = BigInt(fam === 4 ? 32 : 128);
  const shift = w - BigInt(len);
  return a >> shift === net >> shift;
}

function refMatches(r: GRule, p: GPacket): boolean {
  if (r.fam !== p.fam) return false;
  if (r.proto !== null && r.proto !== p.proto) return false;
  if (r.sp !== null || r.dp !== null) {
    const hasPorts = (p.proto === 6 || p.proto === 17) && p.sport !== -1;
    if (!hasPorts) return false;
    if (r.sp !== null && !(r.sp.from <= p.sport && p.sport <= r.sp.to)) return false;
    if (r.dp !== null && !(r.dp.from <= p.dport && p.dport <= r.dp.to)) return false;
  }
  return inNet(r.fam, p.src, r.src, r.srcLen) && inNet(r.fam, p.dst, r.dst, r.dstLen);
}

function refFirst(list: GRule[], p: GPacket): GRule | null {
  const sorted = [...list].sort((a, b) => a.num - b.num);
  for (const r of sorted) if (refMatches(r, p)) return r;
  return null;
}

function refEvaluate(ingress: GRule[], egress: GRule[], p: GPacket, dir: number, policy: DirectionUnknownPolicy, dns4: bigint | null, dns6: bigint | null): [number, number] {
  if (p.fam === 0) return [0, -1];
  const dns = p.fam === 4 ? dns4 : dns6;
  if (dns !== null && (p.src === dns || p.dst === dns)) return [1, -2];
  const out = (r: GRule | null): [number, number] => (r === null ? [0, -1] : [r.accept ? 1 : 0, r.num]);
  if (dir === 1) return out(refFirst(ingress, p));
  if (dir === 2) return out(refFirst(egress, p));
  if (policy === 'reject') return [0, -1];
  if (policy === 'ingress') return out(refFirst(ingress, p));
  if (policy === 'egress') return out(refFirst(egress, p));
  const i = refFirst(ingress, p);
  const e = refFirst(egress, p);
  if (i?.accept) return out(i);
  if (e?.accept) return out(e);
  return out(i ?? e);
}

const scenario = fc.record({
  ingress: rules(60),
  egress: rules(25),
  policy: fc.constantFrom<DirectionUnknownPolicy>('either', 'reject', 'ingress', 'egress'),
  dns: fc.option(fc.record({ v4: fc.constantFrom(0x0a000002n, 0xc0a80101n), v6: fc.option(fc.constant(0xfd000ec2000000000000000000000253n)) }), { freq: 3 }),
  dnsListed: fc.boolean(),
}).chain((base) => fc.record({
  ...Object.fromEntries(Object.entries(base).map(([k, v]) => [k, fc.constant(v)])) as { [K in keyof typeof base]: fc.Arbitrary<(typeof base)[K]> },
  packets: fc.array(fc.tuple(packetsFor([...base.ingress, ...base.egress]), fc.constantFrom(0, 1, 1, 2, 2)), { minLength: 5, maxLength: 40 }),
}));

describe('compiled filter vs reference evaluator (fast-check)', () => {
  it('agree on verdict and deciding rule; explain agrees too', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const model = toModel(s.ingress, s.egress, s.dnsListed);
        const dnsAddrs: string[] = [];
        if (s.dns) {
          dnsAddrs.push(v4text(s.dns.v4));
          if (s.dns.v6 !== null) dnsAddrs.push(v6text(s.dns.v6));
        }
        const opts = { directionUnknown: s.policy, amazonDnsAddress: dnsAddrs };
        const c = compileFilter(model, opts);
        const forExplain = compileFilter(model, opts);
        const dns4 = s.dnsListed && s.dns ? s.dns.v4 : null;
        const dns6 = s.dnsListed && s.dns && s.dns.v6 !== null ? s.dns.v6 : null;
        const view = new PacketView();
        let accepted = 0;
        for (const [g, dir] of s.packets) {
          fillView(view, g);
          const got = c.evaluate(view, dir as Direction);
          const want = refEvaluate(s.ingress, s.egress, g, dir, s.policy, dns4, dns6);
          expect([view.filterVerdict, view.filterRule], `packet ${JSON.stringify(g, (_, v) => (typeof v === 'bigint' ? v.toString(16) : v))} dir ${dir}`).toEqual(want);
          expect(got).toBe(want[0] === 1);
          if (got) accepted++;
          if (g.fam !== 0 && g.proto >= 0) {
            const spec: PacketSpec = {
              family: g.fam,
              protocol: g.proto,
              src: { family: g.fam, words: [0, 0, 0, 0] },
              dst: { family: g.fam, words: [0, 0, 0, 0] },
              sport: g.proto === 6 || g.proto === 17 ? g.sport : -1,
              dport: g.proto === 6 || g.proto === 17 ? g.dport : -1,
              direction: dir === 1 ? 'ingress' : dir === 2 ? 'egress' : 'unknown',
            };
            if (g.fam === 4) {
              spec.src.words[0] = Number(g.src);
              spec.dst.words[0] = Number(g.dst);
            } else {
              for (let i = 0; i < 4; i++) {
                spec.src.words[i] = Number((g.src >> BigInt(96 - 32 * i)) & 0xffffffffn);
                spec.dst.words[i] = Number((g.dst >> BigInt(96 - 32 * i)) & 0xffffffffn);
              }
            }
            // explain throws when its rule walk and the compiled filter disagree
            const e = explainPacket(forExplain, spec);
            const gNoPorts = { ...g, sport: spec.sport, dport: spec.dport };
            expect(e.rule).toBe(refEvaluate(s.ingress, s.egress, gNoPorts, dir, s.policy, dns4, dns6)[1]);
          }
        }
        const sum = c.summary();
        expect(sum.accepted).toBe(accepted);
        expect(sum.accepted + sum.rejected).toBe(s.packets.length);
      }),
      { numRuns: 400 },
    );
  });

  it('agree on a large rule set with many distinct ports (the port index)', () => {
    const manyPortRules = fc.uniqueArray(fc.integer({ min: 1, max: 32766 }), { minLength: 100, maxLength: 300 }).chain((nums) =>
      fc.tuple(...nums.map(() => fc.record({
        accept: fc.boolean(),
        proto: fc.constantFrom<number | null>(6, 17, 6, null),
        sp: fc.option(range, { freq: 4 }),
        dp: fc.oneof(port.map((x) => ({ from: x, to: x })), range),
        fam: fc.constant<4 | 6>(4),
        src: addr(4),
        srcLen: fc.constantFrom(0, 0, 8, 16),
        dst: addr(4),
        dstLen: fc.constantFrom(0, 0, 8, 24),
      }))).map((bodies) => bodies.map((b, i) => ({ ...b, num: nums[i]! }))),
    );
    fc.assert(
      fc.property(manyPortRules.chain((r) => fc.tuple(fc.constant(r), fc.array(packetsFor(r), { minLength: 50, maxLength: 200 }))), ([ingress, packets]) => {
        const c = compileFilter(toModel(ingress, [], false));
        const view = new PacketView();
        for (const g of packets) {
          fillView(view, g);
          c.evaluate(view, Direction.Ingress);
          expect([view.filterVerdict, view.filterRule]).toEqual(refEvaluate(ingress, [], g, 1, 'either', null, null));
        }
      }),
      { numRuns: 60 },
    );
  });
});
