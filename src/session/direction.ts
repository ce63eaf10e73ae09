/**
 * Direction of a mirrored packet relative to its source ENI, strongest method first (see the
 * reference's "Direction" section):
 *
 * 1. `vni`: one session per direction, each with its own VNI and a one-direction filter: the
 *    session says the direction.
 * 2. `addresses`: the inner source is one of the ENI's addresses (primary, secondary, IPv6,
 *    delegated prefixes) → egress; the inner destination is → ingress.
 * 3. `mac`: inner source MAC = ENI MAC → egress; inner destination MAC = ENI MAC → ingress.
 *
 * `auto` (the default when a session names no direction) tries addresses, then MAC, then the
 * outer source IP (AWS sends from the ENI's primary IP: inner source = outer source → egress,
 * inner destination = outer source → ingress). The catch-all "unknown" session uses only that
 * last rule. A packet nothing decides stays Direction.Unknown.
 */
import { Direction, type PacketView } from '../decode/packet-view.js';
import type { DirectionMode, FixedDirection } from '../config/schema.js';
import { AddressSet } from './address-set.js';

/** Inner source/destination against an address set. Source wins when both match. */
export function directionFromAddresses(p: PacketView, set: AddressSet): Direction {
  if (p.ipVersion === 4) {
    if (set.has4(p.src4)) return Direction.Egress;
    if (set.has4(p.dst4)) return Direction.Ingress;
  } else if (p.ipVersion === 6) {
    if (set.has6(p.src6)) return Direction.Egress;
    if (set.has6(p.dst6)) return Direction.Ingress;
  }
  return Direction.Unknown;
}

/** MAC held as hi (first 2 bytes) and lo (last 4 bytes, unsigned). */
export function directionFromMac(p: PacketView, macHi: number, macLo: number): Direction {
  const off = p.l2Offset;
  if (off < 0 || off + 12 > p.frameOffset + p.caplen) return Direction.Unknown;
  const b = p.buf;
  // Source MAC at +6 first (egress), then destination at +0.
  if (((b[off + 6]! << 8) | b[off + 7]!) === macHi && ((b[off + 8]! << 24) | (b[off + 9]! << 16) | (b[off + 10]! << 8) | b[off + 11]!) >>> 0 === macLo) {
    return Direction.Egress;
  }
  if (((b[off]! << 8) | b[off + 1]!) === macHi && ((b[off + 2]! << 24) | (b[off + 3]! << 16) | (b[off + 4]! << 8) | b[off + 5]!) >>> 0 === macLo) {
    return Direction.Ingress;
  }
  return Direction.Unknown;
}

/** Inner addresses against the outer source (the mirror source ENI's primary IP). */
export function directionFromOuterSource(p: PacketView): Direction {
  if (p.outerIpVersion !== p.ipVersion) return Direction.Unknown;
  if (p.ipVersion === 4) {
    if (p.src4 === p.outerSrc4) return Direction.Egress;
    if (p.dst4 === p.outerSrc4) return Direction.Ingress;
  } else if (p.ipVersion === 6) {
    const o = p.outerSrc6;
    const s = p.src6;
    const d = p.dst6;
    if (s[0] === o[0] && s[1] === o[1] && s[2] === o[2] && s[3] === o[3]) return Direction.Egress;
    if (d[0] === o[0] && d[1] === o[1] && d[2] === o[2] && d[3] === o[3]) return Direction.Ingress;
  }
  return Direction.Unknown;
}

export function parseMacHex(hex12: string): { hi: number; lo: number } {
  return { hi: parseInt(hex12.slice(0, 4), 16), lo: parseInt(hex12.slice(4), 16) >>> 0 };
}

const enum Method {
  Fixed = 0,
  Addresses = 1,
  Mac = 2,
  Auto = 3,
  OuterSource = 4,
}

/** One session's compiled direction rule. */
export class DirectionRule {
  private readonly method: Method;
  private readonly fixed: Direction;
  private readonly addresses: AddressSet;
  private readonly hasMac: boolean;
  private readonly macHi: number;
  private readonly macLo: number;

  constructor(mode: DirectionMode | 'outer-source', fixed: FixedDirection | null, addresses: AddressSet, macHex: string | null) {
    this.method =
      mode === 'vni' ? Method.Fixed : mode === 'addresses' ? Method.Addresses : mode === 'mac' ? Method.Mac : mode === 'auto' ? Method.Auto : Method.OuterSource;
    this.fixed = fixed === 'ingress' ? Direction.Ingress : fixed === 'egress' ? Direction.Egress : Direction.Unknown;
    this.addresses = addresses;
    const mac = macHex === null ? null : parseMacHex(macHex);
    this.hasMac = mac !== null;
    this.macHi = mac === null ? -1 : mac.hi;
    this.macLo = mac === null ? -1 : mac.lo;
  }

  /** The rule of the catch-all "unknown" session: outer source IP only. */
  static outerSourceOnly(): DirectionRule {
    return new DirectionRule('outer-source', null, new AddressSet([]), null);
  }

  resolve(p: PacketView): Direction {
    switch (this.method) {
      case Method.Fixed:
        return this.fixed;
      case Method.Addresses:
        return directionFromAddresses(p, this.addresses);
      case Method.Mac:
        return this.hasMac ? directionFromMac(p, this.macHi, this.macLo) : Direction.Unknown;
      case Method.OuterSource:
        return directionFromOuterSource(p);
      default: {
        let d = this.addresses.empty ? Direction.Unknown : directionFromAddresses(p, this.addresses);
        if (d === Direction.Unknown && this.hasMac) d = directionFromMac(p, this.macHi, this.macLo);
        if (d === Direction.Unknown) d = directionFromOuterSource(p);
        return d;
      }
    }
  }
}
