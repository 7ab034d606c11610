import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ChronyHost, KeySource, NtpKey } from "../../constructs";
import { chronydPid, runCli, sandboxHostProps, synthFleet, type SynthesizedHost } from "../helpers/fleet";
import { startSandbox, type StartedSandbox } from "../helpers/sandbox";

/**
 * Fault injection on real sshd + chronyd: an apply is interrupted at one step, one way, and then
 * the host must be consistent (chronyd running the files on disk, old or new, never a rejected
 * config, no copy of key material left), drift must see the difference, and the next apply must
 * recover it.
 */

export const STEPS = ["stage", "validate", "swap", "reload", "verify"] as const;
export const CHANGES = ["reload-sources", "rekey", "restart"] as const;
/**
 * - controller-kill: the deploying process gets SIGKILL while the host is at the step;
 * - connection-cut: the host kills the sshd process of the connection at the step;
 * - hang: the step hangs past the apply's timeout (the host kills the run).
 */
export const FAULTS = ["controller-kill", "connection-cut", "hang"] as const;

export type Step = (typeof STEPS)[number];
export type Change = (typeof CHANGES)[number];
export type Fault = (typeof FAULTS)[number];

export interface FaultCase {
  readonly fault: Fault;
  readonly step: Step;
  readonly change: Change;
  /** Whether the run got to the step (a keys-only change has no validate step: it then completes). */
  readonly stepReached: boolean;
  /** The configuration chronyd runs after the fault, before recovery. */
  readonly outcome: "old" | "new" | "inconsistent";
  /** The next apply brought the host to the new configuration, and drift then found it clean. */
  readonly recovered: boolean;
  readonly chronydRunning: boolean;
  /** Exit status of drift before recovery (2: it saw the difference or the interrupted run). */
  readonly driftBefore: number | null;
  /** What drift said before recovery, in short. */
  readonly driftKinds: readonly string[];
  /** Files of the run left on the host (staged files, backups, journal), after recovery. */
  readonly leftovers: readonly string[];
  /** What apply said about the interrupted run. */
  readonly applyResult: string;
}

// The hook the apply runs on the host at each step (CDKTF_CHRONY_FAULT_HOOK): it acts once, at the
// step named in its control file, then removes that file so recovery runs undisturbed.
const HOOK = `#!/bin/sh
ctl="$(dirname "$0")/fault"
[ -e "$ctl" ] || exit 0
read -r step what < "$ctl"
[ "$step" = "$1" ] || exit 0
rm -f "$ctl"
case "$what" in
  pause) touch "$(dirname "$0")/reached"; sleep 3 ;;
  sleep*) touch "$(dirname "$0")/reached"; sleep "\${what#sleep}" ;;
  hang) sleep 600 ;;
  cut)
    # The sshd process that serves this connection: the nearest sshd ancestor.
    pid=$$
    while [ "$pid" -gt 1 ]; do
      pid=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status")
      if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sshd ]; then kill -KILL "$pid"; break; fi
    done
    sleep 1 ;;
esac
exit 0
`;

export interface FaultLab {
  readonly sandbox: StartedSandbox;
  readonly project: string;
  /** The fault hook's path (for CDKTF_CHRONY_FAULT_HOOK). */
  readonly hook: string;
  run(fault: Fault, step: Step, change: Change): Promise<FaultCase>;
  /** The target's manifest for one side of a change. */
  manifest(change: Change, side: "old" | "new"): SynthesizedHost;
  /** Makes the hook pause the host for `seconds` at `step` (once). */
  pauseAt(step: Step, seconds: number): void;
  /** The CLI, run asynchronously (several at once). */
  cli(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/** A two-host sandbox: h1 serves time; h2 is the host every case deploys to. */
export async function startFaultLab(firstAddress: string): Promise<FaultLab> {
  const sandbox = await startSandbox({ hosts: 2, firstAddress });
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "faults-"));
  const hookDir = path.join(project, "hook");
  fs.mkdirSync(hookDir);
  const hook = path.join(hookDir, "hook.sh");
  fs.writeFileSync(hook, HOOK, { mode: 0o755 });
  const [h1, h2] = sandbox.hosts;
  const extra = `127.0.${firstAddress.split(".")[2]}.99`;

  /** The target's manifest for one side of a change (old or new). */
  const synthOf = (change: Change, side: "old" | "new"): SynthesizedHost => {
    const outdir = path.join(project, `out-${change}-${side}`);
    return synthFleet(project, outdir, (stack) => {
      // rekey: key 5 changes type (SHA1 → SHA256); chronyc authdata shows which one chronyd uses.
      const key = new NtpKey(stack, "K5", {
        keyId: 5,
        type: change === "rekey" && side === "new" ? "SHA256" : "SHA1",
        source: KeySource.keyStore(`store-${change === "rekey" ? side : "old"}`),
      });
      const server = new ChronyHost(stack, "server", {
        ...sandboxHostProps(h1, sandbox.controller),
        local: { stratum: 8 },
        allow: ["127.0.0.0/8"],
        keys: [key],
      });
      const target = new ChronyHost(stack, "target", {
        ...sandboxHostProps(h2, sandbox.controller),
        // restart: a refclock (chrony.conf) whose refid chronyc sources shows.
        refclocks: [{ driver: "SHM", parameter: "7", refId: change === "restart" && side === "new" ? "NEW1" : "OLD1", noselect: true }],
      });
      target.addServer(server, { key, iburst: true, minPoll: 0, maxPoll: 2 });
      // reload-sources: one more server.
      if (change === "reload-sources" && side === "new") target.addServer(extra, { port: 11999, minPoll: 0, maxPoll: 2 });
    }).target;
  };

  const chronyc = (args: string[]) =>
    spawnSync("/usr/bin/chronyc", ["-h", path.join(h2.root, "run/chrony/chronyd.sock"), ...args], { encoding: "utf8", timeout: 10_000 });

  /** Which side of the change chronyd runs, read from chronyd itself. */
  const running = (change: Change): "old" | "new" | "unknown" => {
    if (change === "reload-sources") {
      const out = chronyc(["-n", "-c", "sources", "-a"]).stdout;
      return out.includes(`,${extra},`) ? "new" : out.includes(`,${h1.address},`) ? "old" : "unknown";
    }
    if (change === "restart") {
      const out = chronyc(["-n", "-c", "sources", "-a"]).stdout;
      return out.includes(",NEW1,") ? "new" : out.includes(",OLD1,") ? "old" : "unknown";
    }
    // authdata's 4th field is chrony's hash ID: 2 is SHA1, 3 is SHA256.
    const type = chronyc(["-n", "-c", "authdata", "-a"])
      .stdout.split("\n")
      .find((l) => l.startsWith(`${h1.address},`))
      ?.split(",")[3];
    return type === "3" ? "new" : type === "2" ? "old" : "unknown";
  };

  const files = ["etc/chrony/chrony.conf", "etc/chrony/sources.d/cdktf-chrony.sources", "etc/chrony/chrony.keys"];
  const onDisk = () => files.map((f) => (fs.existsSync(path.join(h2.root, f)) ? fs.readFileSync(path.join(h2.root, f), "utf8") : ""));
  const leftovers = () =>
    fs
      .readdirSync(path.join(h2.root, "etc/chrony"), { recursive: true, encoding: "utf8" })
      .filter((f) => f.includes(".cdktf-chrony.") && !f.endsWith(".lock"));
  const lockFree = () => spawnSync("flock", ["-w", "60", path.join(h2.root, "etc/chrony/chrony.conf.cdktf-chrony.lock"), "true"]);
  const alive = (pid: number) => fs.existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));

  const apply = (m: SynthesizedHost, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}) =>
    runCli(["apply", m.file, ...extraArgs], { env: { CDKTF_CHRONY_PROJECT_DIR: project, ...env } });

  const run = async (fault: Fault, step: Step, change: Change): Promise<FaultCase> => {
    const old = synthOf(change, "old");
    const next = synthOf(change, "new");
    const start = apply(old);
    if (start.status !== 0) throw new Error(`could not put the host on the old configuration: ${start.stdout}${start.stderr}`);
    const oldFiles = onDisk();
    fs.rmSync(path.join(hookDir, "reached"), { force: true });
    fs.writeFileSync(path.join(hookDir, "fault"), `${step} ${fault === "controller-kill" ? "pause" : fault === "connection-cut" ? "cut" : "hang"}\n`);
    const env = { CDKTF_CHRONY_PROJECT_DIR: project, CDKTF_CHRONY_FAULT_HOOK: hook };
    let applyResult: string;
    if (fault === "controller-kill") {
      applyResult = await killWhenReached(next.file, env, path.join(hookDir, "reached"));
    } else {
      const r = apply(next, fault === "hang" ? ["--timeout", "6"] : [], env);
      applyResult = r.stdout.trim() || r.stderr.trim().split("\n").pop() || `exit ${r.status}`;
    }
    // The hook removes its control file when it acts at the step.
    const stepReached = !fs.existsSync(path.join(hookDir, "fault"));
    fs.rmSync(path.join(hookDir, "fault"), { force: true });
    // The host finishes what it does on its own (a rollback after the controller left) under its lock.
    lockFree();
    const disk = onDisk();
    const diskSide = disk.every((c, i) => c === oldFiles[i]) ? "old" : "new";
    const live = running(change);
    const pid = chronydPid(h2);
    const chronydRunning = alive(pid);
    const outdir = path.dirname(path.dirname(next.file));
    const drift = runCli(["drift", outdir, "--host", "target", "--json"], { env: { CDKTF_CHRONY_PROJECT_DIR: project } });
    const driftKinds = drift.stdout
      ? (JSON.parse(drift.stdout).hosts[0]?.differences ?? []).map((d: { kind: string }) => d.kind)
      : [drift.stderr.trim()];
    const recovery = apply(next);
    const after = runCli(["drift", outdir, "--host", "target", "--json"], { env: { CDKTF_CHRONY_PROJECT_DIR: project } });
    return {
      fault,
      step,
      change,
      stepReached,
      outcome: live === diskSide ? diskSide : "inconsistent",
      recovered: recovery.status === 0 && running(change) === "new" && after.status === 0,
      chronydRunning,
      driftBefore: drift.status,
      driftKinds: [...new Set<string>(driftKinds)],
      leftovers: leftovers(),
      applyResult,
    };
  };

  return {
    sandbox,
    project,
    hook,
    run,
    manifest: synthOf,
    pauseAt: (step, seconds) => {
      fs.rmSync(path.join(hookDir, "reached"), { force: true });
      fs.writeFileSync(path.join(hookDir, "fault"), `${step} sleep${seconds}\n`);
    },
    cli: (args, env = {}) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [path.join(__dirname, "../../dist/lib/cli/main.js"), ...args], {
          env: { ...process.env, CDKTF_CHRONY_PROJECT_DIR: project, CDKTF_CHRONY_FAULT_HOOK: hook, ...env },
          stdio: ["ignore", "pipe", "pipe"],
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout!.on("data", (d: Buffer) => out.push(d));
        child.stderr!.on("data", (d: Buffer) => err.push(d));
        child.once("close", (status) => resolve({ status, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
      }),
    stop: async () => {
      await sandbox.stop();
      fs.rmSync(project, { recursive: true, force: true });
    },
  };
}

/** Runs apply and SIGKILLs it once the host reports (through the hook) that it is at the step. */
async function killWhenReached(manifestFile: string, env: NodeJS.ProcessEnv, reached: string): Promise<string> {
  const child = spawn(process.execPath, [path.join(__dirname, "../../dist/lib/cli/main.js"), "apply", manifestFile], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  let killed = false;
  while (Date.now() < deadline) {
    if (fs.existsSync(reached)) {
      child.kill("SIGKILL");
      killed = true;
      break;
    }
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const code = await exited;
  return killed ? "controller killed (SIGKILL)" : `the apply ended before the step was reached (exit ${code})`;
}

/** The fault table as text, one line per case. */
export function faultTable(cases: readonly FaultCase[]): string {
  const rows = cases.map((c) =>
    [
      c.fault.padEnd(15),
      `${c.step}${c.stepReached ? "" : "*"}`.padEnd(9),
      c.change.padEnd(14),
      c.outcome.padEnd(12),
      String(c.recovered).padEnd(9),
      String(c.chronydRunning).padEnd(7),
      String(c.driftBefore).padEnd(6),
      c.leftovers.join(",") || "-",
    ].join(" "),
  );
  return [
    ["FAULT".padEnd(15), "STEP".padEnd(9), "CHANGE".padEnd(14), "OUTCOME".padEnd(12), "RECOVERED", "CHRONYD", "DRIFT", "LEFTOVERS"].join(" "),
    ...rows,
    "* the change has no such step (keys only: no chronyd -p); the apply completed",
  ].join("\n");
}
