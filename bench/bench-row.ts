/** One line of a benchmark table: what ran, how many packets, how long, and peak memory. */
export interface BenchRow {
  name: string;
  packets: number;
  seconds: number;
  /** packets / seconds. */
  pps: number;
  /** Peak resident set size while the row ran, in MiB (NaN when it could not be measured). */
  peakRssMiB: number;
}
