/**
 * The configured sessions compiled for the per-packet path: VNI → session index through an
 * Int32 open-addressing map; sessions that share a VNI (AWS allows it across ENIs) are told
 * apart by the outer source IP, which AWS sets to the source ENI's primary address.
 */
import type { PacketView } from '../decode/packet-view.js';
import type { SessionConfig } from '../config/schema.js';
import { AddressSet } from './address-set.js';
import { DirectionRule } from './direction.js';
import { VniMap } from './vni-map.js';

/** Marker for "not a configured VNI". */
const NONE = -1;

export class SessionTable {
  readonly sessions: readonly SessionConfig[];
  readonly directions: readonly DirectionRule[];
  /** The rule for packets of unknown VNIs (and untunnelled packets). */
  readonly unknownDirection = DirectionRule.outerSourceOnly();
  private readonly vnis: VniMap;
  /** Sessions sharing a VNI: group g holds groupMembers[groupStart[g] .. groupStart[g+1]). */
  private readonly groupStart: Int32Array;
  private readonly groupMembers: Int32Array;
  private readonly primaryFamily: Int8Array;
  private readonly primary4: Float64Array;
  private readonly primary6: Uint32Array;

  constructor(sessions: readonly SessionConfig[]) {
    this.sessions = sessions;
    this.directions = sessions.map((s) => new DirectionRule(s.directionMode, s.direction, new AddressSet(s.addresses), s.mac));
    this.primaryFamily = new Int8Array(sessions.length);
    this.primary4 = new Float64Array(sessions.length);
    this.primary6 = new Uint32Array(sessions.length * 4);
    sessions.forEach((s, i) => {
      const p = s.primaryAddress;
      if (p === null) return;
      this.primaryFamily[i] = p.family;
      if (p.family === 4) this.primary4[i] = p.words[0] >>> 0;
      else for (let w = 0; w < 4; w++) this.primary6[i * 4 + w] = p.words[w]!;
    });

    const byVni = new Map<number, number[]>();
    sessions.forEach((s, i) => {
      const list = byVni.get(s.vni);
      if (list) list.push(i);
      else byVni.set(s.vni, [i]);
    });
    this.vnis = new VniMap(byVni.size);
    const starts: number[] = [];
    const members: number[] = [];
    for (const [vni, list] of byVni) {
      if (list.length === 1) this.vnis.set(vni, list[0]!);
      else {
        // Encoded as -2 - group so that every value < -1 is a group.
        this.vnis.set(vni, -2 - starts.length);
        starts.push(members.length);
        members.push(...list);
      }
    }
    starts.push(members.length);
    this.groupStart = Int32Array.from(starts);
    this.groupMembers = Int32Array.from(members);
  }

  get size(): number {
    return this.sessions.length;
  }

  /** Session index of the packet's VNI (and outer source, for shared VNIs); -1 when none. */
  lookup(p: PacketView): number {
    if (p.vni < 0) return NONE;
    const v = this.vnis.get(p.vni, NONE);
    if (v >= NONE) return v;
    const g = -2 - v;
    const end = this.groupStart[g + 1]!;
    for (let k = this.groupStart[g]!; k < end; k++) {
      const i = this.groupMembers[k]!;
      if (this.primaryFamily[i] !== p.outerIpVersion) continue;
      if (p.outerIpVersion === 4) {
        if (this.primary4[i] === p.outerSrc4 >>> 0) return i;
      } else {
        const o = p.outerSrc6;
        const b = i * 4;
        const w = this.primary6;
        if (w[b] === o[0] && w[b + 1] === o[1] && w[b + 2] === o[2] && w[b + 3] === o[3]) return i;
      }
    }
    return NONE;
  }
}
