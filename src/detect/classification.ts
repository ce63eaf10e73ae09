/**
 * Rule classifications (`classtype:`): short name → description (EVE alert.category) and
 * default priority (EVE alert.severity). The table below is Suricata's default
 * classification.config written as data, so rules load without any configuration file; a
 * classification.config given by the user replaces it (as Suricata's `classification-file`
 * does).
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, MirrorsinkError } from '../errors.js';

export interface Classification {
  name: string;
  description: string;
  priority: number;
}

/** name, description, priority — Suricata's standard table. */
const STANDARD: ReadonlyArray<readonly [string, string, number]> = [
  ['not-suspicious', 'Not Suspicious Traffic', 3],
  ['unknown', 'Unknown Traffic', 3],
  ['bad-unknown', 'Potentially Bad Traffic', 2],
  ['attempted-recon', 'Attempted Information Leak', 2],
  ['successful-recon-limited', 'Information Leak', 2],
  ['successful-recon-largescale', 'Large Scale Information Leak', 2],
  ['attempted-dos', 'Attempted Denial of Service', 2],
  ['successful-dos', 'Denial of Service', 2],
  ['attempted-user', 'Attempted User Privilege Gain', 1],
  ['unsuccessful-user', 'Unsuccessful User Privilege Gain', 1],
  ['successful-user', 'Successful User Privilege Gain', 1],
  ['attempted-admin', 'Attempted Administrator Privilege Gain', 1],
  ['successful-admin', 'Successful Administrator Privilege Gain', 1],
  ['rpc-portmap-decode', 'Decode of an RPC Query', 2],
  ['shellcode-detect', 'Executable code was detected', 1],
  ['string-detect', 'A suspicious string was detected', 3],
  ['suspicious-filename-detect', 'A suspicious filename was detected', 2],
  ['suspicious-login', 'An attempted login using a suspicious username was detected', 2],
  ['system-call-detect', 'A system call was detected', 2],
  ['tcp-connection', 'A TCP connection was detected', 4],
  ['trojan-activity', 'A Network Trojan was detected', 1],
  ['unusual-client-port-connection', 'A client was using an unusual port', 2],
  ['network-scan', 'Detection of a Network Scan', 3],
  ['denial-of-service', 'Detection of a Denial of Service Attack', 2],
  ['non-standard-protocol', 'Detection of a non-standard protocol or event', 2],
  ['protocol-command-decode', 'Generic Protocol Command Decode', 3],
  ['web-application-activity', 'access to a potentially vulnerable web application', 2],
  ['web-application-attack', 'Web Application Attack', 1],
  ['misc-activity', 'Misc activity', 3],
  ['misc-attack', 'Misc Attack', 2],
  ['icmp-event', 'Generic ICMP event', 3],
  ['inappropriate-content', 'Inappropriate Content was Detected', 1],
  ['policy-violation', 'Potential Corporate Privacy Violation', 1],
  ['default-login-attempt', 'Attempt to login by a default username and password', 2],
  ['targeted-activity', 'Targeted Malicious Activity was Detected', 1],
  ['exploit-kit', 'Exploit Kit Activity Detected', 1],
  ['external-ip-check', 'Device Retrieving External IP Address Detected', 2],
  ['domain-c2', 'Domain Observed Used for C2 Detected', 1],
  ['pup-activity', 'Possibly Unwanted Program Detected', 2],
  ['credential-theft', 'Successful Credential Theft Detected', 1],
  ['social-engineering', 'Possible Social Engineering Attempted', 2],
  ['coin-mining', 'Crypto Currency Mining Activity Detected', 2],
  ['command-and-control', 'Malware Command and Control Activity Detected', 1],
];

export type ClassificationTable = ReadonlyMap<string, Classification>;

/** Suricata's standard classifications (a fresh map each call: callers may extend it). */
export function standardClassifications(): Map<string, Classification> {
  const m = new Map<string, Classification>();
  for (const [name, description, priority] of STANDARD) m.set(name, { name, description, priority });
  return m;
}

/**
 * Parse classification.config text: `config classification: name,description,priority`.
 * Comments (#) and blank lines are skipped; a malformed line is a MirrorsinkError naming
 * file:line (the file is configuration, not a rule: a typo there should stop the load).
 * Names are matched case-insensitively, as Suricata lower-cases them.
 */
export function parseClassificationConfig(text: string, file = 'classification.config'): Map<string, Classification> {
  const m = new Map<string, Classification>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^config\s+classification\s*:\s*(.*)$/i.exec(line);
    if (!match) {
      throw new MirrorsinkError(ErrorCode.Rule, `${file}:${i + 1}: expected 'config classification: name,description,priority'`);
    }
    const parts = match[1]!.split(',');
    if (parts.length < 3) {
      throw new MirrorsinkError(ErrorCode.Rule, `${file}:${i + 1}: expected 'name,description,priority'`);
    }
    const name = parts[0]!.trim().toLowerCase();
    const prioText = parts[parts.length - 1]!.trim();
    const description = parts.slice(1, -1).join(',').trim();
    const priority = Number(prioText);
    if (name === '' || !Number.isInteger(priority) || priority < 0 || priority > 255) {
      throw new MirrorsinkError(ErrorCode.Rule, `${file}:${i + 1}: bad classification '${match[1]}'`);
    }
    m.set(name, { name, description, priority });
  }
  return m;
}

/** Load a classification.config file; a missing file is a MirrorsinkError(E_RULE). */
export function loadClassificationFile(path: string): Map<string, Classification> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new MirrorsinkError(ErrorCode.Rule, `cannot read classification file ${path}: ${msg}`);
  }
  return parseClassificationConfig(text, path);
}
