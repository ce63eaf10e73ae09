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
  const i = NAMES.indexOf(lower);
  return i < 0 ? undefined : i;
}
