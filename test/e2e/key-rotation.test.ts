import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applySummaries, cdktfDeploy, ROOT, stripAnsi } from "../helpers/cdktf";
import { runCli, storedKeyMaterial } from "../helpers/fleet";
import { startSandbox, StartedSandbox } from "../helpers/sandbox";
import { materialForms, readTree } from "../helpers/synth";

let sandbox: StartedSandbox;
let project: string;
let outdir: string;
const logs: string[] = [];
const APP = path.join(ROOT, "dist/examples/key-rotation/main.js");

function env(phase?: string): NodeJS.ProcessEnv {
  return { CDKTF_CHRONY_SANDBOX: sandbox.dir, CDKTF_CHRONY_PROJECT_DIR: project, ROTATION_PHASE: phase ?? "" };
}

function deploy(phase?: string) {
  const run = cdktfDeploy({ app: APP, stack: "rotation", outdir, env: env(phase) });
  logs.push(run.output);
  expect(run.status, run.output.slice(-3000)).toBe(0);
  return applySummaries(run.output);
}

function cli(args: string[]) {
  const r = runCli(args, { env: env() });
  logs.push(r.stdout, r.stderr);
  return r;
}

/** verify --json: every keyed source authenticated with the key the phase puts on source lines. */
function verifyAll(keyOnSources: number) {
  const r = cli(["verify", outdir, "--json", "--timeout", "60"]);
  const hosts = JSON.parse(r.stdout).hosts as Array<{ host: string; result: string; sources: Array<{ keyId?: number; authenticated?: boolean }> }>;
  expect(hosts.map((h) => [h.host, h.result])).toEqual([
    ["client-1", "verified"],
    ["client-2", "verified"],
    ["server", "verified"],
  ]);
  for (const h of hosts.filter((h) => h.host.startsWith("client"))) {
    expect(h.sources).toEqual([expect.objectContaining({ keyId: keyOnSources, authenticated: true, ok: true })]);
  }
  expect(r.status).toBe(0);
}

function heldKeys(): Record<string, number[]> {
  const r = cli(["keys", outdir, "--json"]);
  expect(r.status).toBe(0);
  return Object.fromEntries(JSON.parse(r.stdout).hosts.map((h: { id: string; keys: Array<{ id: number }> }) => [h.id, h.keys.map((k) => k.id)]));
}

beforeAll(async () => {
  sandbox = await startSandbox({ hosts: 3, firstAddress: "127.0.7.11" });
  project = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-rotation-"));
  outdir = path.join(project, "cdktf.out");
});

afterAll(async () => {
  await sandbox?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

describe("a three-phase key rotation across the fleet (cdktf deploy, verify after each phase)", () => {
  it("starts with key 20 everywhere, authenticated", () => {
    // The server's chrony.conf means the same as the one the sandbox started it with: no restart.
    // The clients' sources move out of chrony.conf into the managed file: that needs one.
    expect(deploy()).toEqual({ server: "rekey+reload-sources ok", "client-1": "restart ok", "client-2": "restart ok" });
    verifyAll(20);
    expect(heldKeys()).toEqual({ "client-1": [20], "client-2": [20], server: [20] });
  });

  it("phase ADD: every host holds keys 20 and 21 (rekey only), sources still use 20", () => {
    expect(deploy("add")).toEqual({ server: "rekey ok", "client-1": "rekey ok", "client-2": "rekey ok" });
    verifyAll(20);
    expect(heldKeys()).toEqual({ "client-1": [20, 21], "client-2": [20, 21], server: [20, 21] });
    expect(cli(["keys", outdir]).stdout).toMatch(/rotation rotation\/Rotation: key 20 → 21, phase ADD on 3 host\(s\); next: phase SWITCH/);
  });

  it("phase SWITCH: the clients' sources move to key 21 (reload sources only), the server is untouched", () => {
    expect(deploy("switch")).toEqual({ "client-1": "reload-sources ok", "client-2": "reload-sources ok" });
    verifyAll(21);
  });

  it("phase RETIRE: key 20 leaves every host (rekey only), key 21 keeps them authenticated", () => {
    expect(deploy("retire")).toEqual({ server: "rekey ok", "client-1": "rekey ok", "client-2": "rekey ok" });
    verifyAll(21);
    expect(heldKeys()).toEqual({ "client-1": [21], "client-2": [21], server: [21] });
    for (const h of sandbox.hosts) {
      const keys = fs.readFileSync(path.join(h.root, "etc/chrony/chrony.keys"), "utf8");
      expect(keys).toMatch(/^21 SHA256 HEX:/m);
      expect(keys).not.toMatch(/^20 /m);
      expect(
        fs.readdirSync(path.join(h.root, "etc/chrony")).filter((f) => f.includes(".cdktf-chrony.") && !f.endsWith(".cdktf-chrony.lock")),
      ).toEqual([]);
    }
  });

  it("catches a wrong key on one client with verify, naming the host and the key", async () => {
    const h3 = sandbox.hosts[2];
    const keysFile = path.join(h3.root, "etc/chrony/chrony.keys");
    const wrong = execFileSync("chronyc", ["keygen", "21", "SHA256", "256"], { encoding: "utf8" }).trim();
    fs.writeFileSync(keysFile, fs.readFileSync(keysFile, "utf8").replace(/^21 .*$/m, wrong));
    execFileSync("/usr/bin/chronyc", ["-h", path.join(h3.root, "run/chrony/chronyd.sock"), "rekey"]);
    // chronyd notices at the client's next poll (the server does not answer a request it cannot authenticate).
    let report: { result: string; problems: string[] } | undefined;
    for (let i = 0; i < 8 && report?.result !== "failed"; i++) {
      const r = cli(["verify", outdir, "--host", "client-2", "--json", "--timeout", "3"]);
      report = JSON.parse(r.stdout).hosts[0];
      if (report!.result === "failed") expect(r.status).toBe(2);
      else await new Promise((res) => setTimeout(res, 4000));
    }
    expect(report!.result).toBe("failed");
    expect(report!.problems[0]).toMatch(
      /^server 127\.0\.7\.11 (uses key 21 but its latest request got no valid reply \(reach \d+\)|has not answered yet \(reach 0+\); it uses key 21): check that both hosts hold the same material for key 21$/,
    );
    const table = cli(["verify", outdir, "--host", "client-2", "--timeout", "1"]);
    expect(table.stdout).toMatch(/client-2\s+failed.*key 21/);
    const drift = cli(["drift", outdir, "--host", "client-2", "--json"]);
    expect(JSON.parse(drift.stdout).hosts[0].differences).toContainEqual(
      expect.objectContaining({ kind: "keys", detail: expect.stringMatching(/^key 21 has different material on the host/) }),
    );
    expect(cli(["drift", outdir, "--heal"]).status).toBe(0);
  });

  it("keeps both keys' material out of cdktf.out, state, plan output and every CLI output", () => {
    const plan = spawnSync(path.join(ROOT, "node_modules/.bin/cdktf"), ["diff", "--output", outdir, "--app", `node ${APP}`, "rotation"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, ...env("retire"), CHECKPOINT_DISABLE: "1", CI: "1" },
    });
    logs.push(stripAnsi(plan.stdout + plan.stderr));
    const state = fs.readFileSync(path.join(sandbox.dir, "terraform.rotation.tfstate"), "latin1");
    const text = [state, readTree(outdir), ...logs].join("\n");
    expect(text).toContain("hmac-sha256:");
    for (const id of [20, 21]) {
      for (const form of materialForms(storedKeyMaterial(project, id))) expect(text).not.toContain(form);
    }
  });
});
