/**
 * Suricata's timestamps, in local time as Suricata prints them:
 *   EVE:      2017-04-07T22:24:37.251547+0100  (microseconds, numeric offset without colon)
 *   fast.log: 04/07/2017-22:24:37.251547
 * The date-and-offset part only changes once a second, so it is cached per second of packet
 * time (one Date per distinct second); the per-call work is the microsecond suffix.
 */

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function pad6(n: number): string {
  const s = String(n);
  return s.length >= 6 ? s : '000000'.slice(s.length) + s;
}

function offsetText(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return sign + pad2(Math.floor(a / 60)) + pad2(a % 60);
}

let eveSec = NaN;
let evePrefix = '';
let eveSuffix = '';

/** EVE timestamp for packet time (seconds, nanoseconds). */
export function formatEveTimestamp(sec: number, nsec: number): string {
  if (sec !== eveSec) {
    const d = new Date(sec * 1000);
    evePrefix = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}T${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.`;
    eveSuffix = offsetText(d);
    eveSec = sec;
  }
  return evePrefix + pad6(Math.floor(nsec / 1000)) + eveSuffix;
}

let fastSec = NaN;
let fastPrefix = '';

/** fast.log timestamp: MM/DD/YYYY-HH:MM:SS.uuuuuu (local time). */
export function formatFastLogTimestamp(sec: number, nsec: number): string {
  if (sec !== fastSec) {
    const d = new Date(sec * 1000);
    fastPrefix = `${pad2(d.getMonth() + 1)}/${pad2(d.getDate())}/${d.getFullYear()}-${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.`;
    fastSec = sec;
  }
  return fastPrefix + pad6(Math.floor(nsec / 1000));
}
