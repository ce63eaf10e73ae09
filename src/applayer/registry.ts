/**
 * The protocol table: one entry per app-layer protocol, with what detection needs (patterns per
 * direction with offset/depth, probing parser and its default ports) and how to make the parser.
 * Adding a protocol is one folder plus one line in PROTOCOLS.
 */
import { detectOnlyProtocols } from './detect-only-protos.js';
import { httpProtocol } from './http/register.js';
import { dnsProtocol } from './dns/register.js';
import { tlsProtocol } from './tls/register.js';
import { sshProtocol } from './ssh/register.js';
import type { AppLayerProtoParser } from './parser.js';
import type { HttpConfig } from './http/http-config.js';
import type { ProtoPattern } from './proto-pattern.js';

export { pattern, Probe, type ProtoPattern } from './proto-pattern.js';

export interface AppLayerConfig {
  readonly http: HttpConfig;
}

export interface AppLayerProtoDef {
  readonly proto: number;
  readonly tcp: boolean;
  readonly udp: boolean;
  /** Ports whose probing parser is tried (destination port first, then source). */
  readonly ports: readonly number[];
  readonly patterns: readonly ProtoPattern[];
  readonly probe?: (toServer: boolean, buf: Uint8Array, off: number, len: number) => number;
  /** The probing parser for UDP datagrams when it differs from the TCP one (DNS: no length prefix). */
  readonly probeUdp?: (toServer: boolean, buf: Uint8Array, off: number, len: number) => number;
  /** Suricata's "acceptable first data direction": to-client first data is an event and a failure. */
  readonly firstDataToServer: boolean;
  readonly createParser?: (capacity: number, config: AppLayerConfig) => AppLayerProtoParser;
}

export const PROTOCOLS: readonly AppLayerProtoDef[] = [httpProtocol, tlsProtocol, sshProtocol, dnsProtocol, ...detectOnlyProtocols];

