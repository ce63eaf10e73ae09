/** The power of two at or above `n` (at least 1): the size of an open-addressing table masked by size - 1. */
export function tableCapacity(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return c;
}
