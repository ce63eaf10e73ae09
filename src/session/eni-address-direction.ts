/**
 * `replay --eni-address CIDR...`: the source ENI's addresses given on the command line. Wraps
 * the session stage and decides the direction from them for packets the session stage left
 * undecided (plain captures have no outer header, so nothing else can tell).
 */
import { Direction, type PacketView } from '../decode/packet-view.js';
import type { ParsedCidr } from '../net/cidr.js';
import type { SessionStage } from '../pipeline/stages.js';
import { AddressSet } from './address-set.js';
import { directionFromAddresses } from './direction.js';

export class EniAddressDirection implements SessionStage {
  private readonly addresses: AddressSet;

  constructor(
    private readonly inner: SessionStage,
    cidrs: readonly ParsedCidr[],
  ) {
    this.addresses = new AddressSet(cidrs);
  }

  resolve(p: PacketView): boolean {
    if (!this.inner.resolve(p)) return false;
    if (p.direction === Direction.Unknown) p.direction = directionFromAddresses(p, this.addresses);
    return true;
  }

  attribute(p: PacketView): boolean {
    if (!this.inner.attribute(p)) return false;
    if (p.direction === Direction.Unknown) p.direction = directionFromAddresses(p, this.addresses);
    return true;
  }
}
