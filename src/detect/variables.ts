/**
 * Rule variables ($HOME_NET, $HTTP_PORTS...): Suricata's defaults (suricata.yaml `vars:`),
 * overridable from configuration or the command line. Address and port groups are separate
 * name spaces, as in Suricata: `$X` in an address position is looked up in address-groups,
 * in a port position in port-groups.
 */

export interface RuleVarsConfig {
  'address-groups'?: Record<string, string | number>;
  'port-groups'?: Record<string, string | number>;
}

export interface RuleVariables {
  address: Map<string, string>;
  port: Map<string, string>;
}

/** Suricata's default address groups (suricata.yaml). */
export const DEFAULT_ADDRESS_GROUPS: Readonly<Record<string, string>> = {
  HOME_NET: '[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]',
  EXTERNAL_NET: '!$HOME_NET',
  HTTP_SERVERS: '$HOME_NET',
  SMTP_SERVERS: '$HOME_NET',
  SQL_SERVERS: '$HOME_NET',
  DNS_SERVERS: '$HOME_NET',
  TELNET_SERVERS: '$HOME_NET',
  AIM_SERVERS: '$EXTERNAL_NET',
  DC_SERVERS: '$HOME_NET',
  DNP3_SERVER: '$HOME_NET',
  DNP3_CLIENT: '$HOME_NET',
  MODBUS_CLIENT: '$HOME_NET',
  MODBUS_SERVER: '$HOME_NET',
  ENIP_CLIENT: '$HOME_NET',
  ENIP_SERVER: '$HOME_NET',
  // mirrorsink's own: addresses the default ruleset treats as known-bad. The defaults are
  // documentation-range examples (RFC 5737); set your own with --var or the config file.
  KNOWN_BAD_ADDRESSES: '[203.0.113.66,198.51.100.99]',
};

/** Suricata's default port groups (suricata.yaml). */
export const DEFAULT_PORT_GROUPS: Readonly<Record<string, string>> = {
  HTTP_PORTS: '80',
  SHELLCODE_PORTS: '!80',
  ORACLE_PORTS: '1521',
  SSH_PORTS: '22',
  DNP3_PORTS: '20000',
  MODBUS_PORTS: '502',
  FILE_DATA_PORTS: '[$HTTP_PORTS,110,143]',
  FTP_PORTS: '21',
  GENEVE_PORTS: '6081',
  VXLAN_PORTS: '4789',
  TEREDO_PORTS: '3544',
  // Suricata 8's default.
  SIP_PORTS: '[5060,5061]',
  // Not in suricata.yaml: GTP-C and GTP-U, for rulesets that reference $GTP_PORTS.
  GTP_PORTS: '[2123,2152]',
};

/** Defaults overlaid with `config` (a suricata.yaml-style `vars:` object). */
export function buildVariables(config?: RuleVarsConfig): RuleVariables {
  const address = new Map<string, string>(Object.entries(DEFAULT_ADDRESS_GROUPS));
  const port = new Map<string, string>(Object.entries(DEFAULT_PORT_GROUPS));
  if (config) {
    for (const [k, v] of Object.entries(config['address-groups'] ?? {})) address.set(stripDollar(k), String(v));
    for (const [k, v] of Object.entries(config['port-groups'] ?? {})) port.set(stripDollar(k), String(v));
  }
  return { address, port };
}

function stripDollar(name: string): string {
  return name.startsWith('$') ? name.slice(1) : name;
}

/** Longest chain of variables inside variables before we call it a loop. */
export const MAX_VAR_DEPTH = 64;
