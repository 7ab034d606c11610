import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { ROOT } from "../../helpers/cdktf";
import { runCli } from "../../helpers/fleet";

// The pipelines in examples/ci: valid YAML of the shape each CI system reads, and every
// cdktf-chrony command they run is one the CLI accepts, options and all.

const CI = path.join(ROOT, "examples/ci");
const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "ci-examples-"));
afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

type Yaml = Record<string, unknown>;

function load(file: string): Yaml {
  const doc = parseDocument(fs.readFileSync(path.join(CI, file), "utf8"), { strict: true, uniqueKeys: true });
  expect(
    doc.errors.map((e) => e.message),
    file,
  ).toEqual([]);
  expect(
    doc.warnings.map((e) => e.message),
    file,
  ).toEqual([]);
  return doc.toJS() as Yaml;
}

/** Shell lines of a GitHub workflow (`run:`) or a GitLab job (`script:`), one per line. */
function githubLines(workflow: Yaml): string[] {
  return Object.values(workflow.jobs as Record<string, { steps: Array<{ run?: string }> }>).flatMap((job) =>
    job.steps.flatMap((s) => (s.run ?? "").split("\n")),
  );
}

/** `npx cdktf-chrony CMD ARGS`: the arguments, up to a redirection or pipe, quotes removed. */
function cliCalls(lines: readonly string[]): string[][] {
  return lines.flatMap((line) => {
    const m = /npx cdktf-chrony ([^|>]*)/.exec(line);
    return m
      ? [
          m[1]
            .trim()
            .split(/\s+/)
            .map((w) => w.replace(/^["']|["']$/g, "")),
        ]
      : [];
  });
}

/** Arguments the CLI accepts get as far as reading the synth output (there is none here). */
function expectAccepted(args: readonly string[]): void {
  const r = runCli(args, { cwd });
  expect(r.stderr, args.join(" ")).toBe(
    `cdktf-chrony ${args[0]}: no synth output at 'cdktf.out' (no stacks/ folder): run 'cdktf synth' or 'npm run synth' first, or pass the output folder\n`,
  );
}

describe("examples/ci", () => {
  it("GitHub Actions: nightly drift writes the Markdown to the job summary and keeps the JUnit report", () => {
    const workflow = load("nightly-drift.yml");
    expect(Object.keys(workflow.on as Yaml).sort()).toEqual(["schedule", "workflow_dispatch"]);
    const calls = cliCalls(githubLines(workflow));
    expect(calls).toEqual([["drift", "--format", "markdown", "--junit", "reports/chrony-drift.xml"]]);
    expect(githubLines(workflow).find((l) => l.includes("cdktf-chrony drift"))).toMatch(/>> "\$GITHUB_STEP_SUMMARY"$/);
    for (const args of calls) expectAccepted(args);
  });

  it("GitHub Actions: plan on pull requests, apply after merge from the plan job's synth output", () => {
    const workflow = load("deploy.yml");
    expect(Object.keys(workflow.on as Yaml).sort()).toEqual(["pull_request", "push"]);
    const jobs = workflow.jobs as Record<string, { needs?: string; if?: string; steps: Array<{ run?: string; uses?: string; with?: Yaml }> }>;
    expect(Object.keys(jobs)).toEqual(["plan", "apply"]);
    expect(jobs.apply.needs).toBe("plan");
    expect(jobs.apply.if).toContain("refs/heads/main");
    const planUpload = jobs.plan.steps.find((s) => s.uses?.startsWith("actions/upload-artifact"));
    const applyDownload = jobs.apply.steps.find((s) => s.uses?.startsWith("actions/download-artifact"));
    expect(applyDownload?.with?.name).toBe(planUpload?.with?.name);
    const applyRuns = jobs.apply.steps.flatMap((s) => (s.run ?? "").split("\n"));
    expect(applyRuns).toContain("npm ci --omit=dev");
    expect(applyRuns.some((l) => /^terraform -chdir=cdktf\.out\/stacks\/\$STACK apply -input=false tfplan$/.test(l))).toBe(true);
    expect(applyRuns.some((l) => l.includes("cdktf synth"))).toBe(false);
    const calls = cliCalls(githubLines(workflow));
    expect(calls).toEqual([
      ["plan", "--format", "markdown"],
      ["verify", "--format", "markdown", "--junit", "reports/chrony-verify.xml"],
    ]);
    for (const args of calls) expectAccepted(args);
  });

  it("GitLab CI: plan on merge requests, a manual apply on the default branch, nightly drift, JUnit reports published", () => {
    const pipeline = load("gitlab-ci.yml");
    const stages = pipeline.stages as string[];
    const jobs = Object.fromEntries(
      Object.entries(pipeline).filter(([k, v]) => !["stages", "variables", "default"].includes(k) && typeof v === "object"),
    ) as Record<string, { stage: string; script: string[]; needs?: string[]; artifacts?: { reports?: { junit?: string } } }>;
    expect(Object.keys(jobs)).toEqual(["plan", "apply", "drift"]);
    for (const [name, job] of Object.entries(jobs)) {
      expect(stages, name).toContain(job.stage);
      const junit = cliCalls(job.script).flatMap((args) => (args.includes("--junit") ? [args[args.indexOf("--junit") + 1]] : []));
      expect(job.artifacts?.reports?.junit, name).toBe(junit[0]);
    }
    expect(jobs.apply.needs).toEqual(["plan"]);
    expect(jobs.apply.script[0]).toBe("npm ci --omit=dev");
    const calls = Object.values(jobs).flatMap((j) => cliCalls(j.script));
    expect(calls).toEqual([
      ["plan", "--format", "markdown"],
      ["verify", "--junit", "reports/chrony-verify.xml"],
      ["drift", "--format", "markdown", "--junit", "reports/chrony-drift.xml"],
    ]);
    for (const args of calls) expectAccepted(args);
  });
});
