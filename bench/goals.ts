import type { BenchResult } from "./result";

/** A figure's goal (issue 7), as printed and as checked. */
export interface Goal {
  readonly text: string;
  readonly met: (value: number) => boolean;
}

const below = (limit: number): Goal => ({ text: `< ${limit}`, met: (v) => v < limit });
const atMost = (limit: number): Goal => ({ text: `≤ ${limit}`, met: (v) => v <= limit });
const atLeast = (limit: number): Goal => ({ text: `≥ ${limit}`, met: (v) => v >= limit });

export const GOALS: Readonly<Record<string, Goal>> = {
  "synth.5000.seconds": below(5),
  "synth.1000.ratio": atMost(1.3),
  "synth.5000.ratio": atMost(1.3),
  "synth.10000.ratio": atMost(1.3),
  "synth.10000.peak-rss.ratio": atMost(1.3),
  "synth.growth.ratio": atMost(1.1),
  "plan.10000.ratio": atMost(1.1),
  "cli.start.ratio": atMost(3),
  "cli.start.keygen.ratio": atMost(3),
  "cli.start.apply-help.ratio": atMost(3),
  "apply.50.ratio": atMost(0.75),
  "drift.50.host-cpu.ratio": atMost(1.2),
  "cmdmon.vs-chronyc.ratio": atLeast(50),
  "drift.50.seconds": below(5),
  "status.200.vs-chronyc.ratio": atLeast(100),
};

/** A result as written to results.json: the five required keys, plus the goal and whether it was met. */
export interface ScoredResult extends BenchResult {
  readonly goal: string;
  readonly met: boolean | null;
}

export function score(r: BenchResult): ScoredResult {
  const goal = GOALS[r.name];
  return {
    name: r.name,
    value: r.value,
    unit: r.unit,
    baseline: r.baseline,
    note: r.note,
    goal: goal?.text ?? "-",
    met: goal ? goal.met(r.value) : null,
  };
}
