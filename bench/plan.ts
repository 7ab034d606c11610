import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { BenchResult } from "./result";
import { childrenCpuSeconds, median, progress, round, runTimed } from "./proc";
import { SYNTH_KEY_VARIABLES, serverCount } from "./synth-app";
import { synthOnceKeep } from "./synth";

// `terraform plan` of the synthesized 10,000-host fleet of the synth benchmark (push resources with
// digest triggers, clients after their servers) against a bare stack of as many terraform_data
// with the same cdk.tf.json bytes per resource; and of the same fleet in a rollout (1%, 10%, the
// rest, two gates). `terraform init` works offline: terraform_data is built in. Plans start from
// an empty state, as a first deploy does. To show what the servers-before-clients order costs,
// the same fleet is also planned with every `depends_on` taken out (a copy of its cdk.tf.json).

const HOSTS = 10_000;
const RUNS = 3;

async function terraform(args: readonly string[], cwd: string) {
  const env = { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_INPUT: "0" };
  const r = await runTimed("terraform", args, { cwd, env, timeoutMs: 1_800_000 });
  if (r.code !== 0)
    throw new Error(`terraform ${args.join(" ")} in ${cwd} exited ${r.code}: ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join(" | ")}`);
  return r;
}

interface Stack {
  readonly dir: string;
  readonly resources: number;
  readonly edges: number;
  readonly bytes: number;
}

function stackOf(outdir: string): Stack {
  return stackIn(path.join(outdir, "stacks", "fleet"));
}

function stackIn(dir: string): Stack {
  const file = path.join(dir, "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as { resource: Record<string, Record<string, { depends_on?: string[] }>> };
  const resources = Object.values(json.resource).flatMap((byName) => Object.values(byName));
  return { dir, resources: resources.length, edges: resources.reduce((n, r) => n + (r.depends_on?.length ?? 0), 0), bytes: fs.statSync(file).size };
}

/** A copy of `stack` in `dir` with every resource's `depends_on` removed: the same fleet, unordered. */
function withoutOrder(stack: Stack, dir: string): Stack {
  const json = JSON.parse(fs.readFileSync(path.join(stack.dir, "cdk.tf.json"), "utf8")) as {
    resource: Record<string, Record<string, { depends_on?: string[] }>>;
  };
  for (const byName of Object.values(json.resource)) for (const r of Object.values(byName)) delete r.depends_on;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(json, null, 2));
  return stackIn(dir);
}

export async function runPlanBench(): Promise<BenchResult[]> {
  const work = fs.mkdtempSync(path.join(tmpdir(), "cdktf-chrony-bench-plan-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [SYNTH_KEY_VARIABLES[0]]: `HEX:${randomBytes(32).toString("hex").toUpperCase()}`,
    [SYNTH_KEY_VARIABLES[1]]: `HEX:${randomBytes(16).toString("hex").toUpperCase()}`,
  };
  try {
    progress(`plan: synthesizing ${HOSTS} hosts: ours, ours in a rollout, bare`);
    const ours = stackOf(await synthOnceKeep("chrony-no-rollout", HOSTS, work, env));
    const rollout = stackOf(await synthOnceKeep("chrony", HOSTS, work, env));
    const probe = stackOf(await synthOnceKeep("bare", HOSTS, work, env, 0));
    const bare = stackOf(await synthOnceKeep("bare", HOSTS, work, env, Math.max(0, Math.round((ours.bytes - probe.bytes) / HOSTS))));
    const unordered = withoutOrder(ours, path.join(work, "unordered"));
    const sides = { bare, ours, unordered, rollout };
    for (const s of Object.values(sides)) await terraform(["init", "-input=false", "-no-color"], s.dir);
    const cpu = { bare: [] as number[], ours: [] as number[], unordered: [] as number[], rollout: [] as number[] };
    const wall = { bare: [] as number[], ours: [] as number[], unordered: [] as number[], rollout: [] as number[] };
    const planned: Record<string, string> = {};
    for (let i = 0; i < RUNS; i++) {
      for (const side of ["bare", "ours", "unordered", "rollout"] as const) {
        // The rollout's plan takes minutes: once is enough to show it.
        if (side === "rollout" && i > 0) continue;
        progress(`plan: run ${i + 1}/${RUNS}, ${side}`);
        const c0 = childrenCpuSeconds();
        const r = await terraform(["plan", "-input=false", "-lock=false", "-no-color", "-out", path.join(work, `${side}.tfplan`)], sides[side].dir);
        cpu[side].push(childrenCpuSeconds() - c0);
        wall[side].push(r.ms);
        planned[side] = (r.stdout.match(/Plan: .*/) ?? [""])[0];
      }
    }
    for (const side of ["ours", "unordered", "rollout"] as const) {
      const expected = `Plan: ${sides[side].resources} to add, 0 to change, 0 to destroy.`;
      if (planned[side] !== expected) throw new Error(`terraform plan of the ${side} stack said '${planned[side]}', expected '${expected}'`);
    }
    const runs = (xs: number[]) => xs.map((x) => round(x / 1000, 1)).join(", ");
    const shape = (s: Stack) => `${s.resources} resources, ${s.edges} depends_on entries, cdk.tf.json ${s.bytes} B`;
    const version = (await terraform(["version"], work)).stdout.split("\n")[0];
    const clients = HOSTS - serverCount(HOSTS);
    const before = Math.ceil(clients * 0.01) + Math.ceil(clients * 0.1);
    const behind = clients - before;
    const baseline = `terraform plan (empty state, -out) of a bare stack of ${HOSTS} terraform_data padded to our bytes per resource (${shape(bare)}): ${round(median(cpu.bare), 1)} s CPU median of ${RUNS}, ${round(median(wall.bare) / 1000, 1)} s wall (${runs(wall.bare)}); ${version}`;
    return [
      {
        name: "plan.10000.ratio",
        value: round(median(cpu.ours) / median(cpu.bare), 2),
        unit: "x",
        baseline,
        note: `terraform plan of the synthesized ${HOSTS}-host fleet, clients after their servers (${shape(ours)}): ${round(median(cpu.ours), 1)} s CPU median of ${RUNS}, ${round(median(wall.ours) / 1000, 1)} s wall (${runs(wall.ours)}); wall-clock ratio ${round(median(wall.ours) / median(wall.bare), 2)}x. CPU of terraform (the machine is shared)`,
      },
      {
        name: "plan.10000.unordered.ratio",
        value: round(median(cpu.unordered) / median(cpu.bare), 2),
        unit: "x",
        baseline,
        note: `the same fleet with every depends_on taken out (${shape(unordered)}): ${round(median(cpu.unordered), 1)} s CPU median of ${RUNS}, ${round(median(wall.unordered) / 1000, 1)} s wall (${runs(wall.unordered)}). Set beside plan.10000.ratio it shows what the servers-before-clients order costs Terraform: ${round(median(cpu.ours) - median(cpu.unordered), 1)} s CPU for ${ours.edges} depends_on entries`,
      },
      {
        name: "plan.10000.rollout.ratio",
        value: round(median(cpu.rollout) / median(cpu.bare), 2),
        unit: "x",
        baseline,
        note: `the same fleet in a Rollout of 1%, 10% and the rest (${shape(rollout)}): ${round(median(cpu.rollout), 1)} s CPU, ${round(median(wall.rollout) / 1000, 1)} s wall, one run. Terraform's graph work grows with (hosts behind a gate) x (hosts before it), here ${behind} x ${before}: see README "Large fleets"`,
      },
    ];
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
