import { promises as fs } from "node:fs";
import { UserError } from "../errors";
import { chronydPid, startChronyd } from "./chronyd";
import { ensureControllerKey, writeAuthorizedKeys, writeKnownHosts } from "./controller";
import { ensureDir, exists } from "./files";
import { ensureHostFiles } from "./host-files";
import {
  DEFAULT_FIRST_ADDRESS,
  checkHostCount,
  checkSandboxDir,
  controllerOf,
  controllerPaths,
  hostPaths,
  planHosts,
  type SandboxHost,
  type SandboxManifest,
} from "./layout";
import { readManifest, writeManifest } from "./manifest";
import { mapLimit } from "../map-limit";
import { requireRoot, requireTools } from "./requirements";
import { sandboxDirOf } from "./sandbox-dir";
import { sshdPid, startSshd, stopSshd } from "./sshd";
import { CHRONY_USER, lookupSystemUser } from "./system-user";
import { checkTraversable } from "./traversable";

export const DEFAULT_HOST_COUNT = 3;
// Starting a host spawns a few short processes; more in flight only queues them on the CPUs.
const PARALLEL_HOSTS = 8;

export interface SandboxUpOptions {
  /** Folder of the sandbox; created if needed. */
  readonly dir: string;
  /** @default - the existing sandbox's host count, or 3 for a new sandbox */
  readonly hosts?: number;
  /** Address of h1; host i gets this + (i-1). @default - the existing sandbox's, or 127.0.0.11 */
  readonly firstAddress?: string;
  /** Progress lines (no trailing newline). @default - silent */
  readonly onProgress?: (line: string) => void;
}

/** What `up` did to one host. */
export interface HostUpReport {
  readonly id: string;
  /** The host's files were made in this run. */
  readonly created: boolean;
  readonly sshd: "running" | "started" | "restarted";
  readonly sshdPid: number;
  readonly chronyd: "running" | "started";
  readonly chronydPid: number;
}

export interface SandboxUpResult extends SandboxManifest {
  /** Absolute folder of the sandbox. */
  readonly dir: string;
  /** Every host was already up and nothing was written or started. */
  readonly alreadyRunning: boolean;
  readonly reports: readonly HostUpReport[];
}

function sameHost(a: SandboxHost, b: SandboxHost): boolean {
  return (
    a.id === b.id && a.address === b.address && a.sshPort === b.sshPort && a.cmdPort === b.cmdPort && a.ntpPort === b.ntpPort && a.root === b.root
  );
}

function plan(dir: string, options: SandboxUpOptions, existing: SandboxManifest | undefined): SandboxHost[] {
  const current = existing?.hosts ?? [];
  const firstAddress = options.firstAddress ?? current[0]?.address ?? DEFAULT_FIRST_ADDRESS;
  const count = options.hosts ?? (current.length > 0 ? current.length : DEFAULT_HOST_COUNT);
  checkHostCount(count);
  checkSandboxDir(dir, count);
  if (current.length > 0 && current[0].address !== firstAddress) {
    throw new UserError(
      `the sandbox in ${dir} starts at ${current[0].address}, not ${firstAddress}: drop --first-address, or run 'cdktf-chrony sandbox down --dir ${dir} --purge' first`,
    );
  }
  if (count < current.length) {
    throw new UserError(
      `the sandbox in ${dir} has ${current.length} hosts and 'up' does not remove hosts (asked for ${count}): use --hosts ${current.length} or more, or 'sandbox down --dir ${dir} --purge' and start again`,
    );
  }
  const hosts = planHosts(dir, count, firstAddress);
  current.forEach((h, i) => {
    if (!sameHost(h, hosts[i])) {
      throw new UserError(
        `${dir}/sandbox.json lists ${h.id} differently from this version's layout: run 'cdktf-chrony sandbox down --dir ${dir} --purge' and start again`,
      );
    }
  });
  return hosts;
}

/**
 * Start (or repair, or grow) a sandbox: per host an sshd and a chronyd under `dir`. Idempotent: hosts
 * that are up are left alone, dead daemons are restarted, files written by deploys are kept.
 */
export async function sandboxUp(options: SandboxUpOptions): Promise<SandboxUpResult> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => undefined);
  requireRoot("sandbox up");
  await requireTools();
  const dir = sandboxDirOf(options.dir);
  const existing = await readManifest(dir);
  const hosts = plan(dir, options, existing);
  const chronyUser = await lookupSystemUser(CHRONY_USER);

  if (!(await exists(dir))) {
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    await ensureDir(dir, 0o755);
  } else if (!existing && (await fs.readdir(dir)).length > 0) {
    // 'down --purge' removes what 'up' made; never let that be a folder that held other things.
    throw new UserError(`${dir} is not empty and holds no sandbox (no sandbox.json): use --dir with a new or empty folder`);
  }
  await checkTraversable(dir, chronyUser);
  await ensureDir(`${dir}/hosts`, 0o755);
  const controller = controllerPaths(dir);
  const manifest: SandboxManifest = { hosts, controller: controllerOf(dir) };
  const added = hosts.length - (existing?.hosts.length ?? 0);
  progress(added > 0 ? `sandbox: preparing ${added} new host(s) in ${dir}` : `sandbox: checking ${hosts.length} host(s) in ${dir}`);

  const controllerPublicKey = await ensureControllerKey(controller);
  await writeAuthorizedKeys(controller, controllerPublicKey);
  // Recorded before anything starts, so that 'down' can find whatever a failed 'up' left running.
  await writeManifest(dir, manifest);

  const files = await mapLimit(hosts, PARALLEL_HOSTS, (host) =>
    ensureHostFiles(host, hostPaths(dir, host.id), { timeServer: hosts[0], controller, chronyUser }),
  );
  await writeKnownHosts(
    controller,
    hosts.map((host, i) => ({ host, publicKey: files[i].hostPublicKey })),
  );

  let done = 0;
  const reports = await mapLimit(hosts, PARALLEL_HOSTS, async (host, i): Promise<HostUpReport> => {
    const paths = hostPaths(dir, host.id);
    let sshd: HostUpReport["sshd"] = "running";
    let sshdPidNow = await sshdPid(paths);
    if (sshdPidNow !== undefined && files[i].sshdConfigChanged) {
      await stopSshd(paths);
      sshdPidNow = await startSshd(host, paths);
      sshd = "restarted";
    } else if (sshdPidNow === undefined) {
      sshdPidNow = await startSshd(host, paths);
      sshd = "started";
    }
    let chronyd: HostUpReport["chronyd"] = "running";
    let chronydPidNow = await chronydPid(paths);
    if (chronydPidNow === undefined) {
      chronydPidNow = await startChronyd(host, paths);
      chronyd = "started";
    }
    done++;
    if (sshd !== "running" || chronyd !== "running") {
      progress(
        `sandbox: [${done}/${hosts.length}] ${host.id} ${host.address} ssh :${host.sshPort}: sshd ${sshd} (pid ${sshdPidNow}), chronyd ${chronyd} (pid ${chronydPidNow})`,
      );
    }
    return { id: host.id, created: files[i].created, sshd, sshdPid: sshdPidNow, chronyd, chronydPid: chronydPidNow };
  });

  const alreadyRunning = reports.every((r) => !r.created && r.sshd === "running" && r.chronyd === "running");
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  progress(alreadyRunning ? `sandbox: already running (${hosts.length} host(s) in ${dir})` : `sandbox: ${hosts.length} host(s) up in ${seconds} s`);
  return { ...manifest, dir, alreadyRunning, reports };
}
