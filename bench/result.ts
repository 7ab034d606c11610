/** One figure in bench/results.json. `baseline` is what `value` was measured against in the same run. */
export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: string;
  readonly note: string;
}
