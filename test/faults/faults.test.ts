import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANGES, FAULTS, FaultCase, FaultLab, STEPS, faultTable, startFaultLab } from "../support/faults";

// `npm run faults`: every step × change class × fault on real sshd + chronyd, then recovery by the
// next apply. Writes bench/faults.json and prints the table.

let lab: FaultLab;
const cases: FaultCase[] = [];

beforeAll(async () => {
  lab = await startFaultLab("127.0.90.11");
});

afterAll(async () => {
  await lab?.stop();
  if (cases.length > 0) {
    fs.writeFileSync(
      path.join(__dirname, "../../bench/faults.json"),
      `${JSON.stringify({ measuredAt: new Date().toISOString(), cases }, null, 2)}\n`,
    );
    process.stdout.write(
      `\n${faultTable(cases)}\n\n${cases.filter((c) => c.outcome !== "inconsistent" && c.recovered).length} of ${cases.length} cases consistent and recovered\n`,
    );
  }
});

describe("an apply interrupted at every step, every way, for every change class", () => {
  for (const fault of FAULTS) {
    for (const step of STEPS) {
      for (const change of CHANGES) {
        it(`${fault} at ${step} during a ${change}`, async () => {
          const c = await lab.run(fault, step, change);
          cases.push(c);
          expect(c.outcome, JSON.stringify(c)).not.toBe("inconsistent");
          // Interrupted before the commit, the host is on the old configuration; a run that never
          // reaches the step (a keys-only change has no validate step) completes.
          expect(c.outcome, JSON.stringify(c)).toBe(c.stepReached ? "old" : "new");
          expect(c.chronydRunning).toBe(true);
          expect(c.driftBefore, JSON.stringify(c)).toBe(c.outcome === "new" ? 0 : 2);
          expect(c.recovered, JSON.stringify(c)).toBe(true);
          expect(c.leftovers).toEqual([]);
        });
      }
    }
  }
});
