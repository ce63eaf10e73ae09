/**
 * Which outer source addresses may send mirrored traffic. Empty list = everyone. Packets that
 * arrive without an outer header (plain capture) are not subject to it.
 */
import type { ParsedCidr } from '../net/cidr.js';
import type { PacketView } from '../decode/packet-view.js';
import { AddressSet } from './address-set.js';

export class SenderAllowList {
  private readonly set: AddressSet;
  readonly allowAll: boolean;

  constructor(cidrs: readonly ParsedCidr[]) {
    this.set = new AddressSet(cidrs);
    this.allowAll = cidrs.length === 0;
  }

  /** True when the packet's outer source may send (or the packet has no outer header). */
  allows(p: PacketView): boolean {
    if (this.allowAll) return true;
    if (p.outerIpVersion === 4) return this.set.has4(p.outerSrc4);
    if (p.outerIpVersion === 6) return this.set.has6(p.outerSrc6);
    return true;
  }
}
