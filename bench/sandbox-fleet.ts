import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { App, TerraformStack } from "cdktf";
import { ChronyHost, KeySource, NtpKey } from "../constructs";
import { sandboxHostProps } from "../examples/sandbox-fleet";
import { CmdmonClient } from "../lib/cmdmon";
import type { HostManifest } from "../lib/manifest";
import type { SandboxController, SandboxHost } from "../lib/sandbox";
import { readOutdir } from "../lib/deploy/outdir";
import { mapLimit } from "../lib/map-limit";
import { CLI, processCpu, progress, runCheckedCli, runTimed, type TimedRun } from "./proc";
import { readProvisioners, type ProvisionerRun } from "./provisioners";

// A sandbox of real sshd + chronyd hosts for the apply and drift benchmarks, started and stopped
// through the CLI (`sandbox up` / `sandbox down --purge`, by pid), on addresses no test uses.
// synthFleet follows test/helpers/fleet.ts (bench cannot import test/).

export const FLEET_HOSTS = 50;
export const FIRST_ADDRESS = "127.0.70.100";
const KEY_VARIABLE = "CDKTF_CHRONY_BENCH_SANDBOX_KEY";
const KEY_ID = 21;
/** Marker addresses are MARKER_PREFIX + (200 + round), above the fleet's hosts (127.0.70.100-149). */
const MARKER_PREFIX = "127.0.70.";
/** Nothing listens here: a source chronyd lists (reach 0) whose address says which version is live. */
const MARKER_PORT = 11199;

/** One version of the fleet's configuration; versions differ only in their source lines. */
export interface FleetVersion {
  readonly round: number;
  readonly maxPoll: number;
  /** An unreachable server address every host lists in this version (so a reload is visible). */
  readonly marker: string;
}

/**
 * maxpoll only grows from round to round: chrony 4.3's `reload sources` drops a source whose options
 * changed to values that sort lower (it adds the new entry before removing the old one, the add
 * fails as a duplicate, then the old one is removed). That is reported separately; the benchmark
 * times the path that works on 4.3.
 */
export function fleetVersion(round: number): FleetVersion {
  const maxPoll = 6 + round;
  if (maxPoll > 24) throw new Error(`fleet version ${round} would need maxpoll ${maxPoll} (chrony allows up to 24): start a new sandbox`);
  return { round, maxPoll, marker: `${MARKER_PREFIX}${200 + round}` };
}

export interface SynthesizedHost {
  readonly host: SandboxHost;
  readonly manifest: HostManifest;
  /** What Terraform's local-exec would run for this host. */
  readonly provisioner: ProvisionerRun;
}

/** OpenSSH client options for the sandbox: its controller key and known_hosts, nothing from ~/.ssh. */
export function openSshOptions(controller: SandboxController): string[] {
  return [
    "-F",
    "/dev/null",
    "-i",
    controller.privateKeyPath,
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    `UserKnownHostsFile=${controller.knownHostsPath}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    "BatchMode=yes",
    "-o",
    "LogLevel=ERROR",
  ];
}

export class BenchFleet {
  public readonly hosts: readonly SandboxHost[];
  public readonly controller: SandboxController;
  /** Environment for `cdktf-chrony` processes: the key variable, the project folder. */
  public readonly env: NodeJS.ProcessEnv;
  /** The synth output whose manifests were applied last (what drift compares against). */
  public lastOutdir?: string;
  public lastVersion?: FleetVersion;
  private round = -1;

  private constructor(
    public readonly sandboxDir: string,
    public readonly workDir: string,
    hosts: readonly SandboxHost[],
    controller: SandboxController,
    key: string,
  ) {
    this.hosts = hosts;
    this.controller = controller;
    // The provisioners load the CLI as `require("cdktf-chrony/cli")` from the stack's folder, as in a
    // user's project: the synth outputs here are outside any project, so NODE_PATH names this build.
    const modules = path.join(workDir, "node_modules");
    fs.mkdirSync(modules, { recursive: true });
    if (!fs.existsSync(path.join(modules, "cdktf-chrony")))
      fs.symlinkSync(path.resolve(__dirname, "..", ".."), path.join(modules, "cdktf-chrony"), "dir");
    this.env = { ...process.env, [KEY_VARIABLE]: key, CDKTF_CHRONY_PROJECT_DIR: path.join(workDir, "project"), NODE_PATH: modules };
  }

  /** The next version of the configuration (versions only move forward; see fleetVersion). */
  public nextVersion(): FleetVersion {
    return fleetVersion(++this.round);
  }

  /** `sandbox up` in a fresh folder; on any failure the sandbox is stopped again. */
  public static async start(options: { readonly hosts?: number; readonly firstAddress?: string } = {}): Promise<BenchFleet> {
    const count = options.hosts ?? FLEET_HOSTS;
    const firstAddress = options.firstAddress ?? FIRST_ADDRESS;
    // Short folder: chronyc's socket paths must fit in 107 bytes. Separate from the work folder,
    // because `down --purge` only removes a folder holding nothing but the sandbox.
    const sandboxDir = fs.mkdtempSync(path.join(tmpdir(), "ccb-"));
    fs.chmodSync(sandboxDir, 0o755); // chronyd, once it runs as _chrony, must pass through it
    const workDir = fs.mkdtempSync(path.join(tmpdir(), "cdktf-chrony-bench-fleet-"));
    fs.mkdirSync(path.join(workDir, "project"));
    armCleanup(sandboxDir);
    try {
      progress(`sandbox: starting ${count} hosts from ${firstAddress} in ${sandboxDir}`);
      const t0 = performance.now();
      const up = await runCheckedCli(["sandbox", "up", "--hosts", String(count), "--dir", sandboxDir, "--first-address", firstAddress, "--json"], {
        timeoutMs: 300_000,
      });
      const sandbox = JSON.parse(fs.readFileSync(path.join(sandboxDir, "sandbox.json"), "utf8")) as {
        hosts: SandboxHost[];
        controller: SandboxController;
      };
      const listed = (JSON.parse(up.stdout) as { hosts: unknown[] }).hosts.length;
      if (sandbox.hosts.length !== count || listed !== count) throw new Error(`sandbox up made ${listed} hosts, expected ${count}`);
      progress(`sandbox: ${count} hosts up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const key = `HEX:${randomBytes(32).toString("hex").toUpperCase()}`;
      return new BenchFleet(sandboxDir, workDir, sandbox.hosts, sandbox.controller, key);
    } catch (err) {
      await stopSandbox(sandboxDir);
      fs.rmSync(workDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** `sandbox down --purge` (by pid); always removes the work folder too. */
  public async stop(): Promise<void> {
    try {
      await stopSandbox(this.sandboxDir);
    } finally {
      fs.rmSync(this.workDir, { recursive: true, force: true });
    }
  }

  /**
   * Synthesizes the fleet at `version` into a fresh outdir (in this process, as the tests do) and
   * returns each host's manifest. h1 serves its local clock; every other host uses h1 with the
   * fleet key; every host also lists the version's marker address.
   */
  public synth(version: FleetVersion): { outdir: string; hosts: SynthesizedHost[] } {
    const outdir = path.join(this.workDir, `out-${version.round}`);
    fs.rmSync(outdir, { recursive: true, force: true });
    const saved = { project: process.env.CDKTF_CHRONY_PROJECT_DIR, key: process.env[KEY_VARIABLE] };
    process.env.CDKTF_CHRONY_PROJECT_DIR = this.env.CDKTF_CHRONY_PROJECT_DIR;
    process.env[KEY_VARIABLE] = this.env[KEY_VARIABLE];
    try {
      const app = new App({ outdir });
      const stack = new TerraformStack(app, "fleet");
      const key = new NtpKey(stack, "FleetKey", { keyId: KEY_ID, type: "SHA256", source: KeySource.env(KEY_VARIABLE) });
      const hosts = this.hosts.map(
        (h, i) =>
          new ChronyHost(stack, h.id, {
            ...sandboxHostProps(h, this.controller),
            ...(i === 0 ? { local: { stratum: 8 }, allow: ["127.0.0.0/8"] } : {}),
          }),
      );
      hosts.forEach((host, i) => {
        if (i > 0) host.addServer(hosts[0], { key, iburst: true, minPoll: 4, maxPoll: version.maxPoll });
        host.addServer(version.marker, { port: MARKER_PORT, minPoll: 4, maxPoll: version.maxPoll });
      });
      app.synth();
    } finally {
      restoreEnv("CDKTF_CHRONY_PROJECT_DIR", saved.project);
      restoreEnv(KEY_VARIABLE, saved.key);
    }
    // Manifests through the library's own reader, provisioners as Terraform would run them: the
    // bench does not depend on where a synth output keeps the manifests.
    const manifests = new Map(readOutdir(outdir).map(({ manifest }) => [`${manifest.target.address}:${manifest.target.port}`, manifest]));
    const provisioners = new Map(readProvisioners(outdir).map((p) => [p.target?.replace(/^[^@]*@/, ""), p]));
    const synthesized = this.hosts.map((host) => {
      const key = `${host.address}:${host.sshPort}`;
      const manifest = manifests.get(key);
      const provisioner = provisioners.get(key);
      if (!manifest || !provisioner)
        throw new Error(`synth output ${outdir} has no ${manifest ? "provisioner" : "manifest"} for ${host.id} (${key})`);
      return { host, manifest, provisioner };
    });
    return { outdir, hosts: synthesized };
  }

  /**
   * Runs one host's provisioner as Terraform's local-exec does (`cdktf-chrony apply ...` with its
   * environment, in the stack's folder); throws unless it exits 0 with a summary matching `expect`.
   */
  public async provision(h: SynthesizedHost, expect: RegExp, extraEnv: NodeJS.ProcessEnv = {}): Promise<TimedRun> {
    const [file, ...args] = h.provisioner.argv;
    const env = { ...this.env, ...h.provisioner.environment, ...extraEnv };
    const r = await runTimed(file, args, { env, cwd: h.provisioner.cwd, timeoutMs: 120_000 });
    if (r.code !== 0 || !expect.test(r.stdout)) {
      throw new Error(
        `apply ${h.host.id} exited ${r.code ?? r.signal}, expected ${expect}: ${r.stdout.trim()} ${r.stderr.trim().split("\n").slice(-4).join(" | ")}`,
      );
    }
    return r;
  }

  /** Provisions every host, `parallel` at once; throws unless all succeed. */
  public async applyAll(hosts: readonly SynthesizedHost[], parallel: number, expect: RegExp): Promise<number> {
    const t0 = performance.now();
    await mapLimit(hosts, parallel, (h) => this.provision(h, expect));
    return performance.now() - t0;
  }

  /**
   * CPU seconds spent on the hosts' side so far: every sandbox sshd daemon with its finished
   * sessions (and what they ran: shells, chronyc, chronyd -p, sftp), plus each chronyd.
   */
  public hostsCpuSeconds(): number {
    let total = 0;
    for (const host of this.hosts) {
      const sshd = Number(fs.readFileSync(path.join(path.dirname(host.root), "sshd", "sshd.pid"), "utf8").trim());
      const s = processCpu(sshd);
      const c = processCpu(this.chronydPid(host));
      total += (s ? s.self + s.children : 0) + (c ? c.self : 0);
    }
    return total;
  }

  /** chronyd's pid on a host, from its pid file. */
  public chronydPid(host: SandboxHost): number {
    return Number(fs.readFileSync(path.join(host.root, "run/chrony/chronyd.pid"), "utf8").trim());
  }

  /** The addresses chronyd lists as sources, over its UDP command port. */
  public async liveSources(host: SandboxHost): Promise<string[]> {
    const client = new CmdmonClient({ host: host.address, port: host.cmdPort });
    try {
      return (await client.sources()).map((s) => s.address);
    } finally {
      await client.close();
    }
  }

  /**
   * Checks that every host runs `version`: its sources file holds the version's bytes (read from
   * the host's root on this machine) and chronyd lists the version's marker and no other marker.
   */
  public async checkLive(version: FleetVersion, hosts: readonly SynthesizedHost[]): Promise<void> {
    await mapLimit(hosts, 10, async (h) => {
      const sources = h.manifest.files.find((f) => f.role === "sources");
      if (!sources) throw new Error(`${h.host.id}: the manifest has no sources file`);
      const live = fs.readFileSync(sources.path, "utf8");
      if (live !== sources.content) throw new Error(`${h.host.id}: ${sources.path} does not hold version ${version.round}`);
      if (!live.includes(`maxpoll ${version.maxPoll}`)) throw new Error(`${h.host.id}: ${sources.path} lacks maxpoll ${version.maxPoll}`);
      const listed = await this.liveSources(h.host);
      const markers = listed.filter((a) => a.startsWith(MARKER_PREFIX) && Number(a.slice(MARKER_PREFIX.length)) >= 200);
      if (markers.length !== 1 || markers[0] !== version.marker) {
        throw new Error(`${h.host.id}: chronyd lists ${markers.join(", ") || "no marker"}, expected ${version.marker} (version ${version.round})`);
      }
      const missing = h.manifest.verify.sources.filter((s) => !listed.includes(s.name));
      if (missing.length > 0) {
        throw new Error(
          `${h.host.id}: chronyd does not list ${missing.map((s) => `${s.kind} ${s.name}`).join(", ")} after version ${version.round} (lists ${listed.join(", ")})`,
        );
      }
    });
  }
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

const armed = new Set<string>();
let handlersInstalled = false;

/** On Ctrl-C or SIGTERM, stop every sandbox this process started (by pid, through the CLI) before exiting. */
function armCleanup(sandboxDir: string): void {
  armed.add(sandboxDir);
  if (handlersInstalled) return;
  handlersInstalled = true;
  const onSignal = (signal: NodeJS.Signals) => {
    for (const dir of armed) {
      process.stderr.write(`bench: ${signal}: stopping the sandbox in ${dir}\n`);
      spawnSync(process.execPath, [CLI, "sandbox", "down", "--dir", dir, "--purge"], { stdio: "inherit", timeout: 60_000 });
    }
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}

async function stopSandbox(sandboxDir: string): Promise<void> {
  if (!fs.existsSync(path.join(sandboxDir, "sandbox.json"))) {
    // `up` failed before recording anything: nothing was started.
    fs.rmSync(sandboxDir, { recursive: true, force: true });
    armed.delete(sandboxDir);
    return;
  }
  progress(`sandbox: stopping ${sandboxDir} (sandbox down --purge)`);
  const r = await runCheckedCli(["sandbox", "down", "--dir", sandboxDir, "--purge", "--json"], { timeoutMs: 120_000 });
  armed.delete(sandboxDir);
  const down = JSON.parse(r.stdout) as { hosts: Array<{ id: string; sshd: { state: string }; chronyd: { state: string } }>; purged: boolean };
  const gone = ["stopped", "killed", "not-running"];
  const left = down.hosts.filter((h) => !gone.includes(h.sshd.state) || !gone.includes(h.chronyd.state));
  if (left.length > 0 || !down.purged) {
    throw new Error(
      `sandbox down left ${left.map((h) => `${h.id} (sshd ${h.sshd.state}, chronyd ${h.chronyd.state})`).join(", ") || "its folder"}: check ${sandboxDir}`,
    );
  }
}
