/**
 * Community ID v1 against the spec's published vectors (corelight/community-id-spec,
 * baseline/baseline_deflt.json and baseline_seed1.json), and per flow through a real flow table.
 * In the vectors, sport/dport of the ICMPs are the type and the code.
 */
import { describe, expect, it } from 'vitest';
import { PacketView, TCP_ACK, TCP_SYN } from '../../src/decode/packet-view.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { parseIpv4, parseIpv6 } from '../../src/net/ip-address.js';
import { communityId, FlowCommunityIds } from '../../src/output/community-id.js';
import { fill, reply } from '../flow/make-packet.js';

type Vector = [proto: number, saddr: string, daddr: string, sport: number | null, dport: number | null, seed0: string, seed1: string];

// [proto, saddr, daddr, sport, dport, community id with seed 0, with seed 1]
const VECTORS: Vector[] = [
  [58, 'fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 135, 136, '1:dGHyGvjMfljg6Bppwm3bg0LO8TY=', '1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY='],
  [58, 'fe80::260:97ff:fe07:69ea', 'fe80::200:86ff:fe05:80da', 136, 135, '1:dGHyGvjMfljg6Bppwm3bg0LO8TY=', '1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY='],
  [58, 'fe80::260:97ff:fe07:69ea', 'fe80::200:86ff:fe05:80da', 135, 136, '1:zavyT/cezQr1fmImYCwYnMXbgck=', '1:2hSqmsDZ2kdcY9kbiUzOEBic0iM='],
  [58, 'fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 136, 135, '1:zavyT/cezQr1fmImYCwYnMXbgck=', '1:2hSqmsDZ2kdcY9kbiUzOEBic0iM='],
  [58, '3ffe:501:1800:2345::2', '3ffe:507:0:1:200:86ff:fe05:80da', 3, 0, '1:2ObVBgIn28oZvibYZhZMBgh7WdQ=', '1:lVEtCZpYu84Xqaa++3lXFyuu2n4='],
  [58, '3ffe:501:410:0:2c0:dfff:fe47:33e', '3ffe:507:0:1:200:86ff:fe05:80da', 1, 4, '1:hLZd0XGWojozrvxqE0dWB1iM6R0=', '1:W8MHwXpWzpoSTD+cGcaJr4u0ys8='],
  [58, '3ffe:507:0:1:200:86ff:fe05:80da', '3ffe:501:0:1001::2', 128, 129, '1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=', '1:GfZxjAkDk2MkegpBYHV6tadtFXQ='],
  [58, '3ffe:501:0:1001::2', '3ffe:507:0:1:200:86ff:fe05:80da', 129, 128, '1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=', '1:GfZxjAkDk2MkegpBYHV6tadtFXQ='],
  [58, 'fe80::200:86ff:fe05:80da', 'ff02::2', 133, 134, '1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=', '1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8='],
  [58, 'fe80::260:97ff:fe07:69ea', 'ff02::1', 134, 133, '1:pkvHqCL88/tg1k4cPigmZXUtL00=', '1:K/ee5UCqAMAQXDorP5nSa2CGLjc='],
  [1, '192.168.0.89', '192.168.0.1', 8, 0, '1:X0snYXpgwiv9TZtqg64sgzUn6Dk=', '1:03g6IloqVBdcZlPyX8r0hgoE7kA='],
  [1, '192.168.0.1', '192.168.0.89', 0, 8, '1:X0snYXpgwiv9TZtqg64sgzUn6Dk=', '1:03g6IloqVBdcZlPyX8r0hgoE7kA='],
  [1, '10.0.0.1', '10.0.0.2', 11, 0, '1:YHxtAirCG//0OzkcVAukqKQN9xM=', '1:XjUibYHaafLQ3pxQeiMI8g25q20='],
  [6, '2001:470:e5bf:dead:4957:2174:e82c:4887', '2607:f8b0:400c:c03::1a', 63943, 25, '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=', '1:eJYTW6AOzFLlSUoESovMjnu7rMw='],
  [6, '2607:f8b0:400c:c03::1a', '2001:470:e5bf:dead:4957:2174:e82c:4887', 25, 63943, '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=', '1:eJYTW6AOzFLlSUoESovMjnu7rMw='],
  [132, '192.168.170.8', '192.168.170.56', 7, 7, '1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=', '1:5w3ZRjeKBzqT3zsaEECDGjUbYeg='],
  [132, '192.168.170.56', '192.168.170.8', 7, 7, '1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=', '1:5w3ZRjeKBzqT3zsaEECDGjUbYeg='],
  [6, '128.232.110.120', '66.35.250.204', 34855, 80, '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', '1:3V71V58M3Ksw/yuFALMcW0LAHvc='],
  [6, '66.35.250.204', '128.232.110.120', 80, 34855, '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', '1:3V71V58M3Ksw/yuFALMcW0LAHvc='],
  [17, '192.168.1.52', '8.8.8.8', 54585, 53, '1:d/FP5EW3wiY1vCndhwleRRKHowQ=', '1:Q9We8WO3piVF8yEQBNJF4uiSVrI='],
  [17, '8.8.8.8', '192.168.1.52', 53, 54585, '1:d/FP5EW3wiY1vCndhwleRRKHowQ=', '1:Q9We8WO3piVF8yEQBNJF4uiSVrI='],
  [46, '10.1.12.1', '10.1.12.2', null, null, '1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=', '1:rYir8gphR31noO9iDRQmF/BteEI='],
  [46, '10.1.12.2', '10.1.12.1', null, null, '1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=', '1:rYir8gphR31noO9iDRQmF/BteEI='],
];

function words(a: string): { v: number; w: Uint32Array } {
  const v4 = parseIpv4(a);
  if (v4 !== null) return { v: 4, w: Uint32Array.of(v4) };
  return { v: 6, w: parseIpv6(a)! };
}

describe('Community ID v1', () => {
  it.each(VECTORS)('proto %i %s → %s (%s/%s)', (proto, saddr, daddr, sport, dport, seed0, seed1) => {
    const s = words(saddr);
    const d = words(daddr);
    expect(communityId(0, s.v, proto, s.w, 0, d.w, 0, sport ?? 0, dport ?? 0)).toBe(seed0);
    expect(communityId(1, s.v, proto, s.w, 0, d.w, 0, sport ?? 0, dport ?? 0)).toBe(seed1);
  });

  it('is the same for both directions of a flow table flow and cached until the flow ends', () => {
    const t = new FlowTable({ maxFlows: 8 });
    const ids = FlowCommunityIds.of(t, 0);
    expect(FlowCommunityIds.of(t, 0)).toBe(ids);
    const p = new PacketView();
    // The server's SYN/ACK first: the flow table makes the receiver the client.
    const C = { src: '66.35.250.204', dst: '128.232.110.120', sport: 80, dport: 34855, ts: 1000, len: 60 };
    t.update(fill(p, { ...C, flags: TCP_SYN | TCP_ACK }));
    const slot = p.flowIndex;
    expect(ids.get(slot)).toBe('1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
    t.update(fill(p, reply(C, { flags: TCP_ACK, ts: 1001 })));
    expect(p.flowIndex).toBe(slot);
    expect(ids.get(slot)).toBe('1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
    // Another seed is another instance, registered in place of the first.
    const seeded = FlowCommunityIds.of(t, 1);
    expect(seeded).not.toBe(ids);
    expect(seeded.get(slot)).toBe('1:3V71V58M3Ksw/yuFALMcW0LAHvc=');
    expect(t.storage.find('community-id')).toBe(seeded);
  });

  it('maps ICMP echo flows by type and is cleared with the slot', () => {
    const t = new FlowTable({ maxFlows: 8 });
    const ids = FlowCommunityIds.of(t, 0);
    const p = new PacketView();
    t.update(fill(p, { src: '192.168.0.89', dst: '192.168.0.1', proto: 1, icmpType: 8, icmpCode: 0, icmpId: 7, ts: 1000, len: 84 }));
    const slot = p.flowIndex;
    expect(ids.get(slot)).toBe('1:X0snYXpgwiv9TZtqg64sgzUn6Dk=');
    t.expire(1_000_000);
    expect(t.activeCount).toBe(0);
    // A new flow (maybe in the same slot) gets its own value, not a cached one.
    t.update(fill(p, { src: '192.168.0.89', dst: '192.168.0.1', sport: 54585, dport: 53, proto: 'udp', ts: 2_000_000, len: 60 }));
    const s = words('192.168.0.89').w;
    const d = words('192.168.0.1').w;
    expect(ids.get(p.flowIndex)).toBe(communityId(0, 4, 17, s, 0, d, 0, 54585, 53));
  });
});
