/** SSH sticky buffers as transaction buffers (ids 160..191; to-server id, to-client = +1). */
export const SshBuf = {
  Proto: 160,
  Software: 162,
  Hassh: 164,
  HasshString: 165,
  HasshServer: 166,
  HasshServerString: 167,
  /** app-layer-event:ssh.*: the flow's events as indexes into SSH_EVENT_NAMES. */
  Event: 168,
} as const;

/** Progress of an SSH side: banner line done, KEXINIT seen, both sides encrypted. */
export const SshProgress = { None: 0, Banner: 1, Kex: 2, Complete: 3 } as const;

/** ssh.* app-layer event names (rule form `app-layer-event:ssh.<name>`), SshBuf.Event values. */
export const SSH_EVENT_NAMES: readonly string[] = ['invalid_banner', 'long_banner', 'invalid_record', 'long_kex_record'];
