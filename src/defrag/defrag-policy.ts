/**
 * Overlap policies, as Suricata names them (src/defrag.c enum defrag_policies). Which bytes
 * win when fragments overlap is decided in defragmenter.ts (insert), mirroring
 * DefragInsertFrag case by case.
 */
export const enum DefragPolicy {
  First = 1,
  Last = 2,
  Bsd = 3,
  BsdRight = 4,
  Linux = 5,
  Windows = 6,
  Solaris = 7,
}

/** Config spellings (host-os-policy names that map to each policy, as DefragGetOsPolicy does). */
export const defragPolicyByName: Readonly<Record<string, DefragPolicy>> = {
  first: DefragPolicy.First,
  last: DefragPolicy.Last,
  bsd: DefragPolicy.Bsd,
  hpux10: DefragPolicy.Bsd,
  irix: DefragPolicy.Bsd,
  'bsd-right': DefragPolicy.BsdRight,
  linux: DefragPolicy.Linux,
  'old-linux': DefragPolicy.Linux,
  windows: DefragPolicy.Windows,
  vista: DefragPolicy.Windows,
  windows2k3: DefragPolicy.Windows,
  solaris: DefragPolicy.Solaris,
  'old-solaris': DefragPolicy.First,
  hpux11: DefragPolicy.First,
  macos: DefragPolicy.First,
};
