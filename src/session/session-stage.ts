/**
 * The session stage of the pipeline: sender allow-list, VNI → session, direction, and the
 * per-session/direction counters. Drops (disallowed sender, unknown VNI under the `drop`
 * policy) are counted in the pipeline's drops array, which this stage is given.
 */
import { Direction, TunnelKind, type PacketView } from '../decode/packet-view.js';
import { DropCause } from '../pipeline/stages.js';
import type { SessionStage } from '../pipeline/stages.js';
import type { MirrorsinkConfig, UnknownVniPolicy } from '../config/schema.js';
import { SenderAllowList } from './sender-allowlist.js';
import { SessionCounters, DIRECTIONS } from './session-counters.js';
import { SessionTable } from './session-table.js';
import { SessionDirectory } from './session-directory.js';
import type { DirectionRule } from './direction.js';

export class SessionResolver implements SessionStage {
  readonly table: SessionTable;
  /** Names and flow-log fields of the sessions this stage's indices point at. */
  readonly directory: SessionDirectory;
  readonly counters: SessionCounters;
  readonly allow: SenderAllowList;
  readonly unknownPolicy: UnknownVniPolicy;
  private readonly dropUnknown: boolean;
  private readonly drops: Float64Array;
  // Held here for the per-packet path (fewer objects to go through per packet).
  private readonly allowAll: boolean;
  private readonly directions: readonly DirectionRule[];
  private readonly packets: Float64Array;
  private readonly bytes: Float64Array;

  constructor(table: SessionTable, allow: SenderAllowList, unknownPolicy: UnknownVniPolicy, drops: Float64Array, counters?: SessionCounters, directory?: SessionDirectory) {
    this.table = table;
    this.directory = directory ?? SessionDirectory.fromConfig(table.sessions);
    this.allow = allow;
    this.unknownPolicy = unknownPolicy;
    this.dropUnknown = unknownPolicy === 'drop';
    this.drops = drops;
    this.counters = counters ?? new SessionCounters(table.sessions);
    this.allowAll = allow.allowAll;
    this.directions = table.directions;
    this.packets = this.counters.packets;
    this.bytes = this.counters.bytes;
  }

  /** Build from a validated configuration; `previous` carries counts across a reload. */
  static fromConfig(config: MirrorsinkConfig, drops: Float64Array, previous?: SessionResolver | null, directory?: SessionDirectory): SessionResolver {
    const table = new SessionTable(config.sessions);
    const counters = new SessionCounters(config.sessions);
    if (previous) counters.carryFrom(previous.counters);
    return new SessionResolver(table, new SenderAllowList(config.allowedSenders), config.unknownVni, drops, counters, directory);
  }

  attribute(p: PacketView): boolean {
    if (!this.allowAll && !this.allow.allows(p)) return false;
    const idx = this.table.lookup(p);
    if (idx < 0 && this.dropUnknown && p.tunnel !== TunnelKind.None) return false;
    p.sessionIndex = idx;
    p.direction = idx >= 0 ? this.directions[idx]!.resolve(p) : this.table.unknownDirection.resolve(p);
    return true;
  }

  resolve(p: PacketView): boolean {
    if (!this.allowAll && !this.allow.allows(p)) {
      this.drops[DropCause.DisallowedSender]++;
      return false;
    }
    const idx = this.table.lookup(p);
    let dir: Direction;
    if (idx >= 0) dir = this.directions[idx]!.resolve(p);
    else {
      // Tunnelled with a VNI no session names (untunnelled packets have no VNI to judge).
      if (this.dropUnknown && p.tunnel !== TunnelKind.None) {
        this.drops[DropCause.UnknownVni]++;
        return false;
      }
      dir = this.table.unknownDirection.resolve(p);
    }
    p.sessionIndex = idx;
    p.direction = dir;
    const slot = (idx + 1) * DIRECTIONS + dir;
    this.packets[slot]++;
    // Bytes of the mirrored (inner) frame as it was on the wire.
    this.bytes[slot] += p.tunnelPayloadOffset > 0 ? p.wirelen - (p.tunnelPayloadOffset - p.frameOffset) : p.wirelen;
    return true;
  }
}
