/**
 * FTP control detection (app-layer-ftp.c FTPRegisterPatternsForProtocolDetection), all
 * case-insensitive at offset 0: "220 (" to client (vsftpd-style banner); "FEAT", "USER ",
 * "PASS ", "PORT " to server. FTP data connections (ftp-data) are found in Suricata by the
 * expectation an FTP PORT/PASV reply sets up, which needs an FTP parser mirrorsink lacks.
 */
import { AppProto } from '../app-proto.js';
import { pattern } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';

export const ftpProtocol: AppLayerProtoDef = {
  proto: AppProto.Ftp,
  tcp: true,
  udp: false,
  ports: [],
  patterns: [
    pattern('220 (', 5, 'tc', true),
    pattern('FEAT', 4, 'ts', true),
    pattern('USER ', 5, 'ts', true),
    pattern('PASS ', 5, 'ts', true),
    pattern('PORT ', 5, 'ts', true),
  ],
  firstDataToServer: false,
};
