/**
 * App-layer protocol ids and the names Suricata prints for them (src/app-layer-protos.c:
 * AppProtoToString). Ids are small integers so per-flow state fits a Uint8Array.
 * Unknown (0) is "not decided yet" and prints as nothing (EVE omits app_proto); Failed means
 * detection gave up and prints "failed".
 */
export const AppProto = {
  Unknown: 0,
  Http: 1,
  Tls: 2,
  Ssh: 3,
  Dns: 4,
  Smtp: 5,
  Ftp: 6,
  Smb: 7,
  Dcerpc: 8,
  Http2: 9,
  // Detected only (no parser yet); order follows Suricata's AppProtoEnum after HTTP/2.
  Imap: 10,
  Jabber: 11,
  Irc: 12,
  Modbus: 13,
  Enip: 14,
  Dnp3: 15,
  Nfs: 16,
  Ntp: 17,
  FtpData: 18,
  Tftp: 19,
  Ike: 20,
  Krb5: 21,
  Quic: 22,
  Dhcp: 23,
  Snmp: 24,
  Sip: 25,
  Rfb: 26,
  Mqtt: 27,
  Pgsql: 28,
  Telnet: 29,
  Websocket: 30,
  Ldap: 31,
  Doh2: 32,
  Rdp: 33,
  BittorrentDht: 34,
  Pop3: 35,
  Failed: 255,
} as const;
export type AppProtoId = (typeof AppProto)[keyof typeof AppProto];

const NAMES: readonly (string | undefined)[] = (() => {
  const n: (string | undefined)[] = [];
  // HTTP/1 is "http" in EVE and rules (ALPROTO_HTTP1 prints as "http").
  n[AppProto.Http] = 'http';
  n[AppProto.Tls] = 'tls';
  n[AppProto.Ssh] = 'ssh';
  n[AppProto.Dns] = 'dns';
  n[AppProto.Smtp] = 'smtp';
  n[AppProto.Ftp] = 'ftp';
  n[AppProto.Smb] = 'smb';
  n[AppProto.Dcerpc] = 'dcerpc';
  n[AppProto.Http2] = 'http2';
  n[AppProto.Imap] = 'imap';
  n[AppProto.Jabber] = 'jabber';
  n[AppProto.Irc] = 'irc';
  n[AppProto.Modbus] = 'modbus';
  n[AppProto.Enip] = 'enip';
  n[AppProto.Dnp3] = 'dnp3';
  n[AppProto.Nfs] = 'nfs';
  n[AppProto.Ntp] = 'ntp';
  n[AppProto.FtpData] = 'ftp-data';
  n[AppProto.Tftp] = 'tftp';
  n[AppProto.Ike] = 'ike';
  n[AppProto.Krb5] = 'krb5';
  n[AppProto.Quic] = 'quic';
  n[AppProto.Dhcp] = 'dhcp';
  n[AppProto.Snmp] = 'snmp';
  n[AppProto.Sip] = 'sip';
  n[AppProto.Rfb] = 'rfb';
  n[AppProto.Mqtt] = 'mqtt';
  n[AppProto.Pgsql] = 'pgsql';
  n[AppProto.Telnet] = 'telnet';
  n[AppProto.Websocket] = 'websocket';
  n[AppProto.Ldap] = 'ldap';
  n[AppProto.Doh2] = 'doh2';
  n[AppProto.Rdp] = 'rdp';
  n[AppProto.BittorrentDht] = 'bittorrent-dht';
  n[AppProto.Pop3] = 'pop3';
  n[AppProto.Failed] = 'failed';
  return n;
})();

/** Suricata's name of a protocol id; undefined for Unknown (EVE leaves app_proto out). */
export function appProtoName(id: number): string | undefined {
  return NAMES[id];
}

/** The id of a Suricata protocol name ("http1" is accepted as HTTP/1); undefined if not known. */
export function appProtoByName(name: string): number | undefined {
  const lower = name.toLowerCase();
  if (lower === 'http1') return AppProto.Http;
  // Older spelling of IKE (Suricata accepts it for rules written for IKEv2-only versions).
  if (lower === 'ikev2') return AppProto.Ike;
  const i = NAMES.indexOf(lower);
  return i < 0 ? undefined : i;
}

/**
 * Suricata's AppProtoEquals: does a rule's protocol (header or app-layer-protocol, non-exact)
 * cover the flow's? `http` covers HTTP/1 and HTTP/2, `dcerpc` covers SMB (DCERPC over SMB),
 * `dns` and `http2` cover DNS over HTTP/2 (src/app-layer-protos.h). mirrorsink has one id for
 * `http` and `http1`, so both cover HTTP/2 here.
 */
export function appProtoCovers(sigProto: number, flowProto: number): boolean {
  if (sigProto === flowProto) return true;
  if (sigProto === AppProto.Http) return flowProto === AppProto.Http2;
  if (sigProto === AppProto.Http2) return flowProto === AppProto.Doh2;
  if (sigProto === AppProto.Dcerpc) return flowProto === AppProto.Smb;
  if (sigProto === AppProto.Dns) return flowProto === AppProto.Doh2;
  return false;
}
