import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxHost } from "../../lib/sandbox";
import { applySummaries, cdktfDeploy, resourceIds, ROOT } from "../helpers/cdktf";
import { chronydPid } from "../helpers/fleet";
import { startSandbox, StartedSandbox } from "../helpers/sandbox";

// examples/rollout on six sandbox hosts with real `cdktf deploy`: a server, then client-1 (the
// canary), a gate, client-2 and client-3, a gate, client-4 and client-5.

let sandbox: StartedSandbox;
let project: string;
let outdir: string;

const APP = path.join(ROOT, "dist/examples/rollout/main.js");
const BAD_UPSTREAM = "127.0.70.99"; // in this file's address range; nothing listens there

function deploy(extraEnv: NodeJS.ProcessEnv = {}) {
  return cdktfDeploy({
    app: APP,
    stack: "rollout",
    outdir,
    env: { CDKTF_CHRONY_SANDBOX: sandbox.dir, CDKTF_CHRONY_PROJECT_DIR: project, ...extraEnv },
  });
}

/** What must not change on a host the rollout did not reach: chronyd's pid and the managed files. */
function snapshot(host: SandboxHost) {
  const file = (relative: string) => fs.readFileSync(path.join(host.root, relative), "utf8");
  return {
    pid: chronydPid(host),
    conf: file("etc/chrony/chrony.conf"),
    sources: file("etc/chrony/sources.d/cdktf-chrony.sources"),
    keys: file("etc/chrony/chrony.keys"),
  };
}

/** Lines Terraform printed for one resource's provisioner, e.g. all "Rollout_Gate1_…  (local-exec): …" lines. */
function provisionerLines(output: string, resourcePrefix: string): string[] {
  return output.split("\n").filter((l) => l.includes(resourcePrefix) && l.includes("(local-exec):"));
}

/** The position in the log where a resource's creation completed. */
function completedAt(output: string, resourcePrefix: string): number {
  const at = output.search(new RegExp(`terraform_data\\.${resourcePrefix}_[0-9A-F]{8}: Creation complete`));
  expect(at, `${resourcePrefix} completed`).toBeGreaterThanOrEqual(0);
  return at;
}

function startedAt(output: string, resourcePrefix: string): number {
  const at = output.search(new RegExp(`terraform_data\\.${resourcePrefix}_[0-9A-F]{8}: Creating\\.\\.\\.`));
  expect(at, `${resourcePrefix} started`).toBeGreaterThanOrEqual(0);
  return at;
}

beforeAll(async () => {
  expect(execFileSync("terraform", ["version"], { encoding: "utf8" })).toMatch(/^Terraform v1\./);
  sandbox = await startSandbox({ hosts: 6, firstAddress: "127.0.70.11" });
  project = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-rollout-"));
  outdir = path.join(project, "cdktf.out");
});

afterAll(async () => {
  await sandbox?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

describe("cdktf deploy of examples/rollout to the sandbox (real terraform, sshd, chronyd)", () => {
  it("deploys the server first, then each wave after its gate passed", () => {
    const run = deploy();
    expect(run.status, run.output.slice(-4000)).toBe(0);
    expect(run.output).toContain("Apply complete! Resources: 8 added, 0 changed, 0 destroyed.");
    expect(Object.keys(applySummaries(run.output)).sort()).toEqual(["client-1", "client-2", "client-3", "client-4", "client-5", "server"]);
    // Terraform's graph did the ordering: the server before any client, each gate after its wave
    // and before the next.
    const out = run.output;
    for (const c of ["client-1", "client-2", "client-5"]) expect(completedAt(out, "server_Push")).toBeLessThan(startedAt(out, `${c}_Push`));
    expect(completedAt(out, "client-1_Push")).toBeLessThan(startedAt(out, "Rollout_Gate1"));
    expect(completedAt(out, "Rollout_Gate1")).toBeLessThan(startedAt(out, "client-2_Push"));
    expect(completedAt(out, "Rollout_Gate1")).toBeLessThan(startedAt(out, "client-3_Push"));
    expect(completedAt(out, "client-3_Push")).toBeLessThan(startedAt(out, "Rollout_Gate2"));
    expect(completedAt(out, "Rollout_Gate2")).toBeLessThan(startedAt(out, "client-4_Push"));
    expect(provisionerLines(out, "Rollout_Gate1").join("\n")).toContain("gate Rollout wave 1: passed: 1 host(s) healthy");
    expect(provisionerLines(out, "Rollout_Gate2").join("\n")).toContain("gate Rollout wave 2: passed: 2 host(s) healthy");
  });

  it("stops a wrong server address at the canary: its gate fails, naming the host and the checks, and the other waves are untouched", () => {
    const [, canary, ...rest] = sandbox.hosts;
    const before = rest.map(snapshot);
    const state = path.join(sandbox.dir, "terraform.rollout.tfstate");
    const idsBefore = resourceIds(state);
    const run = deploy({ ROLLOUT_UPSTREAM: BAD_UPSTREAM });
    expect(run.status, run.output.slice(-4000)).not.toBe(0);
    // The canary took the change (apply verifies that chronyd lists the source; only the gate knows it never answers).
    expect(applySummaries(run.output)).toEqual({ "client-1": "reload-sources ok" });
    expect(fs.readFileSync(path.join(canary.root, "etc/chrony/sources.d/cdktf-chrony.sources"), "utf8")).toContain(`server ${BAD_UPSTREAM} `);
    const gate = provisionerLines(run.output, "Rollout_Gate1").join("\n");
    expect(gate).toMatch(
      new RegExp(
        `gate Rollout wave 1: client-1 \\(127\\.0\\.70\\.12:\\d+\\) failed: server ${BAD_UPSTREAM.replace(/\./g, "\\.")} has not answered yet \\(reach 000\\)`,
      ),
    );
    expect(gate).toContain("gate Rollout wave 1: FAILED: 1 of 1 host(s) (client-1); the next waves were not deployed");
    expect(run.output).toContain("Error: local-exec provisioner error");
    // Nobody else was touched: same chronyd (no restart, no reload needed), same files.
    expect(rest.map(snapshot)).toEqual(before);
    for (const c of ["client-2", "client-3", "client-4", "client-5"]) expect(run.output).not.toMatch(new RegExp(`${c}_Push_[0-9A-F]{8}: Creating`));
    // And Terraform's state still holds their resources as they were (the plan to replace them was never carried out).
    const idsAfter = resourceIds(state);
    for (const name of Object.keys(idsBefore).filter((n) => /^client-[2-5]_Push/.test(n))) expect(idsAfter[name], name).toBe(idsBefore[name]);
  });

  it("completes every wave once the change is fixed", () => {
    const run = deploy({ ROLLOUT_MAXPOLL: "7" });
    expect(run.status, run.output.slice(-4000)).toBe(0);
    expect(applySummaries(run.output)).toEqual({
      "client-1": "reload-sources ok",
      "client-2": "reload-sources ok",
      "client-3": "reload-sources ok",
      "client-4": "reload-sources ok",
      "client-5": "reload-sources ok",
    });
    expect(provisionerLines(run.output, "Rollout_Gate1").join("\n")).toContain("gate Rollout wave 1: passed");
    expect(provisionerLines(run.output, "Rollout_Gate2").join("\n")).toContain("gate Rollout wave 2: passed");
    for (const host of sandbox.hosts.slice(1)) {
      expect(fs.readFileSync(path.join(host.root, "etc/chrony/sources.d/cdktf-chrony.sources"), "utf8")).toContain("maxpoll 7 key 5");
    }
  });
});
