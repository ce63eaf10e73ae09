/**
 * SSH app-layer parser: one state (= one tx) per flow.
 *
 *   detection     probeSsh ("SSH-" either way)
 *   state         new SshState(); feed/gap/end; bannerDone(toServer), finished
 *   keywords      ssh.proto / ssh_proto / ssh.protoversion      s.client|server.protoVersion
 *                 ssh.software / ssh_software / ssh.softwareversion   ...softwareVersion
 *                 ssh.hassh / ssh.hassh.string                  s.client.hassh {hash, string}
 *                 ssh.hassh.server / ssh.hassh.server.string    s.server.hassh
 *                 app-layer-event:ssh.*                         s.events
 *   EVE           sshEve(s, { hassh })
 *   framework     register.ts, ssh-parser.ts (SshParser: per-slot state, SshTxView = AppTx),
 *                 ssh-buffers.ts (SshBuf ids)
 */
export * from './ssh-state.js';
export * from './ssh-probe.js';
export * from './ssh-eve.js';
