/**
 * Who a packet belongs to, decided once. The session stage (SessionTable.lookup: VNI, and the
 * outer source IP when sessions share a VNI) sets p.sessionIndex; everything downstream (flow
 * logs, metrics, EVE, the HTTP API) reads a session's identity from this one directory by that
 * index, and nothing re-derives it from the VNI. A packet whose VNI is shared by several
 * sessions and whose outer source matches none of their primary addresses is `unknown`
 * (index -1) everywhere, as is a packet of a VNI no session names.
 *
 * Built once per configuration (pipeline/build.ts) and handed to every stage and output.
 */
import type { SessionConfig } from '../config/schema.js';
import { UNKNOWN_SESSION_NAME } from '../config/validate.js';

/** What outputs know about a mirror session: its name, VNI, source ENI and placement. */
export interface SessionInfo {
  name: string;
  vni: number;
  /** The mirror source's ENI id (interface-id), '-' when not configured. */
  eniId: string;
  accountId?: string;
  vpcId?: string;
  subnetId?: string;
  instanceId?: string;
  region?: string;
  azId?: string;
}

/** The name every consumer uses for packets of no configured session. */
export const UNKNOWN_SESSION = UNKNOWN_SESSION_NAME;

export class SessionDirectory {
  /** sessions[i] is the session whose packets carry p.sessionIndex === i. */
  readonly sessions: readonly SessionInfo[];
  readonly names: readonly string[];

  constructor(sessions: readonly SessionInfo[]) {
    this.sessions = sessions;
    this.names = sessions.map((s) => s.name);
  }

  /** From the validated configuration: same order as config.sessions (= SessionTable's indices). */
  static fromConfig(sessions: readonly SessionConfig[]): SessionDirectory {
    return new SessionDirectory(
      sessions.map((s) => ({
        name: s.name,
        vni: s.vni,
        eniId: s.eni ?? '-',
        ...(s.flowLog.accountId ? { accountId: s.flowLog.accountId } : {}),
        ...(s.flowLog.vpcId ? { vpcId: s.flowLog.vpcId } : {}),
        ...(s.flowLog.subnetId ? { subnetId: s.flowLog.subnetId } : {}),
        ...(s.flowLog.instanceId ? { instanceId: s.flowLog.instanceId } : {}),
        ...(s.flowLog.region ? { region: s.flowLog.region } : {}),
        ...(s.flowLog.azId ? { azId: s.flowLog.azId } : {}),
      })),
    );
  }

  get size(): number {
    return this.sessions.length;
  }

  /** The session index as the session stage set it, or -1 (unknown). Allocation-free. */
  indexOf(sessionIndex: number): number {
    return sessionIndex >= 0 && sessionIndex < this.sessions.length ? sessionIndex : -1;
  }

  /** The session of a packet or flow; null when unknown. */
  info(sessionIndex: number): SessionInfo | null {
    return sessionIndex >= 0 && sessionIndex < this.sessions.length ? this.sessions[sessionIndex]! : null;
  }

  /** The session's name; 'unknown' for packets of no configured session. */
  name(sessionIndex: number): string {
    return sessionIndex >= 0 && sessionIndex < this.sessions.length ? this.names[sessionIndex]! : UNKNOWN_SESSION;
  }
}
