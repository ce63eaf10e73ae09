/**
 * MQTT (rust/src/mqtt, mqtt_probing_parser; TCP port 1883): the session must start with a
 * CONNECT packet naming protocol "MQTT" (3.1.1, 5) or "MQIsdp" (3.1).
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';
import { ascii, prefixOf, startsWith } from './bytes.js';

const MQTT = ascii('\0\x04MQTT');
const MQISDP = ascii('\0\x06MQIsdp');

function probeMqtt(toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 2) return Probe.NeedMore;
  if (!toServer || buf[off] !== 0x10) return Probe.NoMatch;
  // Remaining length: 1..4 bytes, 7 bits each.
  let i = 1;
  while (i < 5 && i < len && (buf[off + i]! & 0x80) !== 0) i++;
  if (i >= 5) return Probe.NoMatch;
  i++;
  const o = off + i;
  const n = len - i;
  if (startsWith(buf, o, n, MQTT) || startsWith(buf, o, n, MQISDP)) return Probe.Match;
  return prefixOf(buf, o, n, MQTT) || prefixOf(buf, o, n, MQISDP) ? Probe.NeedMore : Probe.NoMatch;
}

export const mqttProtocol: AppLayerProtoDef = {
  proto: AppProto.Mqtt,
  tcp: true,
  udp: false,
  ports: [1883],
  patterns: [],
  probe: probeMqtt,
  firstDataToServer: false,
};
