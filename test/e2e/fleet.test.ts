import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxUp } from "../../lib/sandbox";
import { applySummaries, cdktfDeploy, resourceIds, ROOT } from "../helpers/cdktf";
import { runCli, storedKeyMaterial } from "../helpers/fleet";
import { startSandbox, StartedSandbox } from "../helpers/sandbox";
import { materialForms, readTree } from "../helpers/synth";

let sandbox: StartedSandbox;
let project: string;
let outdir: string;
let state: string;
const logs: string[] = [];

const APP = path.join(ROOT, "dist/examples/fleet/main.js");

function deploy(extraEnv: NodeJS.ProcessEnv = {}) {
  const run = cdktfDeploy({
    app: APP,
    stack: "fleet",
    outdir,
    env: { CDKTF_CHRONY_SANDBOX: sandbox.dir, CDKTF_CHRONY_PROJECT_DIR: project, ...extraEnv },
  });
  logs.push(run.output);
  return run;
}

function cli(args: string[]) {
  const r = runCli(args, { env: { CDKTF_CHRONY_PROJECT_DIR: project } });
  logs.push(r.stdout, r.stderr);
  return r;
}

beforeAll(async () => {
  expect(execFileSync("terraform", ["version"], { encoding: "utf8" })).toMatch(/^Terraform v1\./);
  sandbox = await startSandbox({ hosts: 5, firstAddress: "127.0.6.11" });
  project = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-fleet-"));
  outdir = path.join(project, "cdktf.out");
  state = path.join(sandbox.dir, "terraform.fleet.tfstate");
});

afterAll(async () => {
  await sandbox?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

describe("cdktf deploy of examples/fleet to the sandbox (real terraform, sshd, chronyd)", () => {
  it("deploys all five hosts, and every host verifies: sources reachable, keyed sources authenticated, clients synchronised", () => {
    const run = deploy();
    expect(run.status, run.output.slice(-3000)).toBe(0);
    expect(run.output).toContain("Apply complete! Resources: 5 added, 0 changed, 0 destroyed.");
    expect(Object.values(applySummaries(run.output))).toEqual(["restart ok", "restart ok", "restart ok", "restart ok", "restart ok"]);
    const verify = cli(["verify", outdir, "--json"]);
    const report = JSON.parse(verify.stdout);
    const problems = JSON.stringify(report.hosts.map((h: { host: string; problems: string[] }) => [h.host, h.problems]));
    expect(
      report.hosts.map((h: { host: string; result: string }) => [h.host, h.result]),
      problems,
    ).toEqual([
      ["client-1", "verified"],
      ["client-2", "verified"],
      ["client-3", "verified"],
      ["server-a", "verified"],
      ["server-b", "verified"],
    ]);
    for (const h of report.hosts) {
      for (const s of h.sources) expect(s, `${h.host} ${s.name}`).toMatchObject({ ok: true, authenticated: true });
      if (h.host.startsWith("client")) expect(h.synchronised).toBe(true);
    }
    expect(verify.status).toBe(0);
  });

  it("replaces only the clients' resources when a server option changes, and they get reload sources", () => {
    const before = resourceIds(state);
    const run = deploy({ FLEET_CLIENT_MAXPOLL: "7" });
    expect(run.status, run.output.slice(-3000)).toBe(0);
    expect(run.output).toContain("Apply complete! Resources: 3 added, 0 changed, 3 destroyed.");
    expect(applySummaries(run.output)).toEqual({ "client-1": "reload-sources ok", "client-2": "reload-sources ok", "client-3": "reload-sources ok" });
    const after = resourceIds(state);
    for (const name of Object.keys(before)) {
      if (name.startsWith("server")) expect(after[name], name).toBe(before[name]);
      else expect(after[name], name).not.toBe(before[name]);
    }
  });

  it("finds a hand edit and a runtime source with drift (exit 2), heals them, then finds nothing (exit 0)", () => {
    const [, , h3, h4] = sandbox.hosts;
    fs.appendFileSync(path.join(h3.root, "etc/chrony/chrony.conf"), "maxslewrate 500\n");
    execFileSync("/usr/bin/chronyc", ["-h", path.join(h4.root, "run/chrony/chronyd.sock"), "add", "server", "127.0.6.99", "port", "11199"]);
    const drift = cli(["drift", outdir, "--json"]);
    expect(drift.status).toBe(2);
    const report = JSON.parse(drift.stdout);
    const byHost = Object.fromEntries(report.hosts.map((h: { host: string }) => [h.host, h]));
    expect(byHost["client-1"].differences).toEqual([
      {
        kind: "file-changed",
        subject: path.join(h3.root, "etc/chrony/chrony.conf"),
        detail: expect.stringContaining("differs from the deployed version"),
      },
    ]);
    expect(byHost["client-2"].differences).toEqual([
      { kind: "source-extra", subject: "127.0.6.99", detail: expect.stringContaining("server 127.0.6.99, which the manifest does not declare") },
    ]);
    expect(report.summary).toEqual({ clean: 3, drift: 2, error: 0 });
    expect(cli(["drift", outdir]).stdout).toMatch(/client-1\s+drift\s+\S+chrony\.conf differs/);

    const heal = cli(["drift", outdir, "--heal", "--json"]);
    expect(heal.status).toBe(0);
    expect(JSON.parse(heal.stdout).healed).toEqual([
      { host: "client-1", action: "restart", result: "ok", runtimeFixes: [], status: "clean" },
      { host: "client-2", action: "none", result: "unchanged", runtimeFixes: ["deleted runtime source 127.0.6.99"], status: "clean" },
    ]);
    expect(cli(["drift", outdir]).status).toBe(0);
  });

  it("fails only the resource of a host that is down, and completes once it is back", async () => {
    const down = sandbox.hosts[4];
    const sshdPid = Number(fs.readFileSync(path.join(sandbox.dir, "hosts", down.id, "sshd", "sshd.pid"), "utf8"));
    process.kill(sshdPid, "SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    const run = deploy({ FLEET_CLIENT_MAXPOLL: "8" });
    expect(run.status).not.toBe(0);
    const summaries = applySummaries(run.output);
    expect(summaries["client-1"]).toBe("reload-sources ok");
    expect(summaries["client-2"]).toBe("reload-sources ok");
    expect(summaries["client-3"]).toBe("none failed");
    expect(run.output).toMatch(/\[client-3\] connect failed: [^\n]*127\.0\.6\.15:2205[^\n]*(refused|timed out)/i);
    expect(run.output).toContain("Error: local-exec provisioner error");

    await sandboxUp({ dir: sandbox.dir });
    const again = deploy({ FLEET_CLIENT_MAXPOLL: "8" });
    expect(again.status, again.output.slice(-3000)).toBe(0);
    expect(applySummaries(again.output)).toEqual({ "client-3": "reload-sources ok" });
    // Push resources are replaced create-before-destroy: the failed run left its new resource
    // tainted, and the old one either kept as deposed (then both go now) or restored.
    expect(again.output).toMatch(/Apply complete! Resources: 1 added, 0 changed, [12] destroyed\./);
  });

  it("keeps key material out of Terraform state, cdktf.out and every output", () => {
    const text = [fs.readFileSync(state, "latin1"), readTree(outdir), ...logs].join("\n");
    expect(text).toContain("hmac-sha256:");
    for (const id of [1, 2]) {
      for (const form of materialForms(storedKeyMaterial(project, id))) expect(text).not.toContain(form);
    }
  });
});
