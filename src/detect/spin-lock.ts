/**
 * The lock of a table shared by pipeline threads (threshold counts, xbits): one Int32 word in
 * a SharedArrayBuffer. Held for a single table operation (a few dozen array reads and writes,
 * never a wait or a call out), so spinning costs less than Atomics.wait's futex round trip.
 * null = a thread's own table, nothing to lock.
 */
export function lockTable(lock: Int32Array | null): void {
  if (lock !== null) while (Atomics.compareExchange(lock, 0, 0, 1) !== 0);
}

export function unlockTable(lock: Int32Array | null): void {
  if (lock !== null) Atomics.store(lock, 0, 0);
}
