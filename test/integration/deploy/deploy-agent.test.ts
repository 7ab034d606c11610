import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChronyHost } from "../../../constructs";
import { CLI, sandboxHostProps, synthFleet } from "../../helpers/fleet";
import { startSandbox, StartedSandbox } from "../../helpers/sandbox";

// The deploy agent on real sshd + chronyd: provisioners (`apply --host ID chrony-hosts.jsonl` in
// the stack's folder, as Terraform runs them) hand their applies to one agent, which relays output
// and exit codes; a provisioner killed mid-apply ends its apply, and the host rolls back.

let sandbox: StartedSandbox;
let project: string;
let hookDir: string;
const agents = new Set<number>();

// Pauses the host at the step named in the control file, once (as test/support/faults.ts does).
const HOOK = `#!/bin/sh
ctl="$(dirname "$0")/fault"
[ -e "$ctl" ] || exit 0
read -r step < "$ctl"
[ "$step" = "$1" ] || exit 0
rm -f "$ctl"
touch "$(dirname "$0")/reached"
sleep 4
`;

/** The fleet at `maxPoll` in its own output folder; returns the stack's folder. */
function synth(maxPoll: number): string {
  const outdir = path.join(project, `out-${maxPoll}`);
  const [h1, h2, h3] = sandbox.hosts;
  synthFleet(project, outdir, (stack) => {
    const server = new ChronyHost(stack, "server", { ...sandboxHostProps(h1, sandbox.controller), local: { stratum: 8 }, allow: ["127.0.0.0/8"] });
    for (const [i, h] of [h2, h3].entries()) {
      new ChronyHost(stack, `client-${i + 1}`, sandboxHostProps(h, sandbox.controller)).addServer(server, { iburst: true, minPoll: 0, maxPoll });
    }
  });
  return path.join(outdir, "stacks", "fleet");
}

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A provisioner: `apply --host ID chrony-hosts.jsonl` in the stack's folder, with `env` added. */
function provision(stackDir: string, host: string, env: NodeJS.ProcessEnv, onStart?: (pid: number) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, "apply", "--host", host, "chrony-hosts.jsonl"], {
      cwd: stackDir,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    onStart?.(child.pid!);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.once("close", (status) => resolve({ status, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

/** The socket of the agent that serves `env` in `stackDir`, as its clients compute it. */
function agentSocketOf(stackDir: string, env: NodeJS.ProcessEnv): string {
  const socket = execFileSync(
    process.execPath,
    [
      "-e",
      `process.stdout.write(require(${JSON.stringify(path.join(path.dirname(CLI), "deploy-agent.js"))}).agentSocket(${JSON.stringify(CLI)}) ?? "")`,
    ],
    {
      cwd: stackDir,
      env: { ...process.env, ...env },
      encoding: "utf8",
    },
  );
  expect(socket).toMatch(/\.sock$/);
  return socket;
}

/** The pids of agents serving `env` in `stackDir` (found from the socket its clients compute). */
function agentPids(stackDir: string, env: NodeJS.ProcessEnv): number[] {
  const socket = agentSocketOf(stackDir, env);
  const pids = spawnSync("pgrep", ["-f", `__agent ${socket}`], { encoding: "utf8" })
    .stdout.split("\n")
    .filter(Boolean)
    .map(Number);
  for (const pid of pids) agents.add(pid);
  return pids;
}

beforeAll(async () => {
  sandbox = await startSandbox({ hosts: 3, firstAddress: "127.0.70.41" });
  project = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-agent-"));
  hookDir = path.join(project, "hook");
  fs.mkdirSync(hookDir);
  fs.writeFileSync(path.join(hookDir, "hook.sh"), HOOK, { mode: 0o755 });
});

afterAll(async () => {
  // The agents would exit by themselves once idle; these are ours, so stop them now, by pid.
  for (const pid of agents) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  await sandbox?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

describe("the deploy agent", () => {
  it("runs every provisioner's apply in one agent, relaying each one's output and exit code", async () => {
    const env = { CDKTF_CHRONY_PROJECT_DIR: project, AGENT_TEST_RUN: randomBytes(6).toString("hex") };
    const stackDir = synth(4);
    const runs = await Promise.all(["server", "client-1", "client-2"].map((h) => provision(stackDir, h, env)));
    for (const [i, h] of ["server", "client-1", "client-2"].entries()) {
      expect(runs[i].status, runs[i].stderr).toBe(0);
      expect(runs[i].stdout).toMatch(new RegExp(`^${h} \\(127\\.0\\.70\\.4\\d:\\d+\\) \\S+ ok in [\\d.]+ s\\n$`));
      expect(runs[i].stderr).toContain(`[${h}] verify: chronyd answers`);
      // Each client gets only its own host's lines.
      expect(runs[i].stderr.split("\n").filter((l) => l.startsWith("[") && !l.startsWith(`[${h}]`))).toEqual([]);
    }
    expect(agentPids(stackDir, env)).toHaveLength(1);
    // A mistake is reported as the CLI reports it, with its exit code.
    const unknown = await provision(stackDir, "nope", env);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^cdktf-chrony apply: no host 'nope' in .*chrony-hosts\.jsonl: it holds client-1, client-2, server\n$/);
    // A sources-only change goes through the same agent.
    const next = synth(5);
    const again = await provision(next, "client-1", env);
    expect(again.stdout).toMatch(/^client-1 \(.*\) reload-sources ok in /);
  });

  it("ends an apply whose provisioner was killed: the host rolls back as if the controller had died", async () => {
    const env = {
      CDKTF_CHRONY_PROJECT_DIR: project,
      AGENT_TEST_RUN: randomBytes(6).toString("hex"),
      CDKTF_CHRONY_FAULT_HOOK: path.join(hookDir, "hook.sh"),
    };
    const h2 = sandbox.hosts[1];
    const sourcesFile = path.join(h2.root, "etc/chrony/sources.d/cdktf-chrony.sources");
    const before = fs.readFileSync(sourcesFile, "utf8");
    expect(before).toContain("maxpoll 5");
    fs.writeFileSync(path.join(hookDir, "fault"), "verify\n");
    let pid = 0;
    const run = provision(synth(6), "client-1", env, (p) => (pid = p));
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(path.join(hookDir, "reached")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(fs.readFileSync(sourcesFile, "utf8")).toContain("maxpoll 6"); // swapped in, not yet committed
    process.kill(pid, "SIGKILL");
    expect((await run).status).toBe(null);
    // The hook sleeps 4 s; then the host finds its controller gone and puts the old files back.
    const journal = path.join(h2.root, "etc/chrony/chrony.conf.cdktf-chrony.journal");
    const until = Date.now() + 30_000;
    while ((fs.existsSync(journal) || fs.readFileSync(sourcesFile, "utf8") !== before) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    expect(fs.readFileSync(sourcesFile, "utf8")).toBe(before);
    expect(fs.existsSync(journal)).toBe(false);
  });

  it("removes its socket and its empty log when it stops (SIGTERM here; idle, it does the same)", async () => {
    const env = { CDKTF_CHRONY_PROJECT_DIR: project, AGENT_TEST_RUN: randomBytes(6).toString("hex") };
    const stackDir = synth(8);
    const r = await provision(stackDir, "server", env);
    expect(r.status, r.stderr).toBe(0);
    const socket = agentSocketOf(stackDir, env);
    const log = socket.replace(/\.sock$/, ".log");
    expect(fs.existsSync(socket)).toBe(true);
    expect(fs.statSync(log).size).toBe(0);
    const pids = agentPids(stackDir, env);
    expect(pids).toHaveLength(1);
    process.kill(pids[0], "SIGTERM");
    const until = Date.now() + 10_000;
    while (fs.existsSync(`/proc/${pids[0]}`) && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
    expect(fs.existsSync(`/proc/${pids[0]}`)).toBe(false);
    expect(fs.existsSync(socket)).toBe(false);
    expect(fs.existsSync(log)).toBe(false);
  });

  it("is not used with CDKTF_CHRONY_AGENT=off: the apply runs in the provisioner's own process", async () => {
    const env = { CDKTF_CHRONY_PROJECT_DIR: project, AGENT_TEST_RUN: randomBytes(6).toString("hex"), CDKTF_CHRONY_AGENT: "off" };
    const stackDir = synth(7);
    const r = await provision(stackDir, "client-2", env);
    expect(r.stdout).toMatch(/^client-2 \(.*\) reload-sources ok in /);
    expect(agentPids(stackDir, env)).toEqual([]);
  });
});
