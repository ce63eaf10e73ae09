/**
 * The detect-only protocols beyond HTTP, DNS, TLS, SSH and SMB-by-port: detected by pattern and
 * by port probing as Suricata registers them (one file each), so flows get Suricata's app_proto
 * name in EVE, `app-layer-protocol` matches and rules naming the protocol in their header run
 * on those flows. None has a parser: keywords that need one are refused by the rule parser.
 */
import type { AppLayerProtoDef } from '../registry.js';
import { dcerpcProtocol } from './dcerpc.js';
import { dhcpProtocol } from './dhcp.js';
import { dnp3Protocol } from './dnp3.js';
import { enipProtocol } from './enip.js';
import { ftpProtocol } from './ftp.js';
import { http2Protocol } from './http2.js';
import { ikeProtocol } from './ike.js';
import { imapProtocol } from './imap.js';
import { krb5Protocol } from './krb5.js';
import { ldapProtocol } from './ldap.js';
import { modbusProtocol } from './modbus.js';
import { mqttProtocol } from './mqtt.js';
import { nfsProtocol } from './nfs.js';
import { ntpProtocol } from './ntp.js';
import { pgsqlProtocol } from './pgsql.js';
import { pop3Protocol } from './pop3.js';
import { rdpProtocol } from './rdp.js';
import { rfbProtocol } from './rfb.js';
import { sipProtocol } from './sip.js';
import { smbPatternProtocol } from './smb.js';
import { smtpProtocol } from './smtp.js';
import { snmpProtocol } from './snmp.js';
import { telnetProtocol } from './telnet.js';
import { tftpProtocol } from './tftp.js';

/** Order matters only between patterns of the same bytes: FTP's "USER " before POP3's probe. */
export const moreDetectOnlyProtocols: readonly AppLayerProtoDef[] = [
  smtpProtocol,
  ftpProtocol,
  imapProtocol,
  pop3Protocol,
  smbPatternProtocol,
  dcerpcProtocol,
  rdpProtocol,
  krb5Protocol,
  ldapProtocol,
  nfsProtocol,
  ntpProtocol,
  dhcpProtocol,
  snmpProtocol,
  sipProtocol,
  tftpProtocol,
  ikeProtocol,
  modbusProtocol,
  dnp3Protocol,
  enipProtocol,
  mqttProtocol,
  http2Protocol,
  telnetProtocol,
  rfbProtocol,
  pgsqlProtocol,
];
