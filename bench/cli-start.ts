import type { BenchResult } from "./result";
import { CLI, median, progress, round, runTimed } from "./proc";

// Start-up of the `cdktf-chrony` binary against `node -e 0`: the provisioner starts one process
// per host, so what `apply` loads before it does anything is paid once per host.

const RUNS = 40;
const WARM_UP = 3;

interface Case {
  readonly name: string;
  readonly label: string;
  readonly args: readonly string[];
}

const BASELINE: Case = { name: "node", label: "node -e 0", args: ["-e", "0"] };
const CASES: readonly Case[] = [
  { name: "cli.start.ratio", label: "cdktf-chrony --version", args: [CLI, "--version"] },
  { name: "cli.start.keygen.ratio", label: "cdktf-chrony keygen", args: [CLI, "keygen"] },
  { name: "cli.start.apply-help.ratio", label: "cdktf-chrony apply --help (loads apply's modules: deploy, ssh2)", args: [CLI, "apply", "--help"] },
];

async function once(c: Case): Promise<number> {
  const r = await runTimed(process.execPath, c.args, { quiet: true });
  if (r.code !== 0) throw new Error(`${c.label} exited ${r.code ?? r.signal}`);
  return r.ms;
}

export async function runCliStartBench(): Promise<BenchResult[]> {
  const all = [BASELINE, ...CASES];
  for (let i = 0; i < WARM_UP; i++) for (const c of all) await once(c);
  const times = new Map<Case, number[]>(all.map((c) => [c, []]));
  progress(`cli: ${all.length} commands × ${RUNS} runs, round robin`);
  // Round robin: a burst of load elsewhere on the machine hits every command about equally.
  for (let i = 0; i < RUNS; i++) for (const c of all) times.get(c)!.push(await once(c));
  const base = median(times.get(BASELINE)!);
  return CASES.map((c) => {
    const t = median(times.get(c)!);
    return {
      name: c.name,
      value: round(t / base, 2),
      unit: "x",
      baseline: `node -e 0: ${round(base, 1)} ms median of ${RUNS}`,
      note: `${c.label}: ${round(t, 1)} ms median of ${RUNS} (min ${round(Math.min(...times.get(c)!), 1)} ms; node -e 0 min ${round(Math.min(...times.get(BASELINE)!), 1)} ms), wall clock from spawn to exit`,
    };
  });
}
