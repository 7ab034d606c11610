import { createHash } from "node:crypto";
import * as path from "node:path";
import { isUserError } from "../errors";
import { isAtLeast, parseChronyVersion } from "../model/version";
import { HostFile, sourcesFilePath } from "../render/host-files";
import { SshSession } from "../ssh/types";
import { ApplyAction, FileRole, planChange } from "./change-plan";
import { connectHost } from "./connect-host";
import { missingSources } from "./expected-sources";
import { resolveKeyFile } from "./key-file";
import { HostManifest } from "./manifest";
import { RemoteChronyc } from "./remote-chronyc";
import { ChangeScriptInput, ChangeStep, changeScript, parseChangeOutput } from "./change-script";
import { CHECK_SUFFIX, STAGED_SUFFIX, checkConfScript, cleanupScript, parseProbe, probeScript, restoreScript } from "./remote-scripts";

export type ApplyStep = "keys" | "connect" | "read" | "stage" | "validate" | "swap" | "reload" | "verify" | "rollback";

export interface ApplyResult {
  readonly host: string;
  readonly address: string;
  readonly action: ApplyAction;
  readonly result: "ok" | "unchanged" | "failed" | "rolled-back";
  readonly changed: readonly FileRole[];
  readonly seconds: number;
  /** The step that failed and why, in chronyd's or chronyc's own words. */
  readonly failedStep?: ApplyStep;
  readonly error?: string;
  readonly warnings: readonly string[];
}

export interface ApplyOptions {
  /** Progress lines (stderr in the CLI). */
  readonly log: (line: string) => void;
  /** Folder key-source paths resolve against. @default process.cwd() */
  readonly baseDir?: string;
}

interface Desired extends HostFile {
  readonly owner?: string;
}

class StepError extends Error {
  constructor(
    public readonly step: ApplyStep,
    message: string,
  ) {
    super(message);
  }
}

function sha256(content: string): string {
  return createHash("sha256").update(content).digest("hex");
}

const RESTART_WAIT_MS = 15_000;

/**
 * Applies one host's manifest: read the live files (digests only), stage the changed ones beside
 * their targets, validate with `chronyd -p` on the host, swap atomically keeping a backup, take
 * the least disruptive action, verify chronyd, and roll back (files and daemon) on any failure.
 */
export async function applyHost(manifest: HostManifest, options: ApplyOptions): Promise<ApplyResult> {
  const started = Date.now();
  const log = (line: string) => options.log(`[${manifest.id}] ${line}`);
  const address = `${manifest.target.address}:${manifest.target.port}`;
  const warnings: string[] = [];
  const result = (r: Omit<ApplyResult, "host" | "address" | "seconds" | "warnings">): ApplyResult => ({
    host: manifest.id,
    address,
    seconds: (Date.now() - started) / 1000,
    warnings,
    ...r,
  });

  // Keys first: a key that cannot be read stops the apply before anything touches the host.
  let keyFile;
  try {
    keyFile = resolveKeyFile(manifest, options.baseDir);
  } catch (err) {
    if (!isUserError(err)) throw err;
    log(`keys: ${err.message}`);
    return result({ action: "none", result: "failed", changed: [], failedStep: "keys", error: err.message });
  }
  if (keyFile.changedSinceSynth.length > 0) {
    warnings.push(`key material of key ${keyFile.changedSinceSynth.join(", ")} changed since synth: run synth again so the triggers follow`);
  }
  const p = manifest.profile;
  const desired: Desired[] = [
    ...manifest.files,
    { path: manifest.keys.path, content: keyFile.content, mode: manifest.keys.mode, role: "keys", owner: `${manifest.keys.owner}:${manifest.keys.group}` },
  ];

  let session: SshSession;
  try {
    log(`connect ${manifest.target.user}@${address}`);
    session = await connectHost(manifest, log);
  } catch (err) {
    const message = isUserError(err) ? err.message : String(err);
    log(`connect failed: ${message}`);
    return result({ action: "none", result: "failed", changed: [], failedStep: "connect", error: message });
  }

  const chronyc = new RemoteChronyc(session, p.chronyc);
  const paths = desired.map((f) => f.path);
  let swapped: Array<{ path: string; existed: boolean }> = [];
  let action: ApplyAction = "none";
  let changed: FileRole[] = [];
  const checkConf = p.confPath + CHECK_SUFFIX;
  try {
    const probeRun = await session.execScript(probeScript(paths, p.service.isActive, p.sourceDir, sourcesFilePath(p)), { timeoutMs: 30_000 });
    if (probeRun.code !== 0) throw new StepError("read", `reading the live files failed: ${probeRun.stderr.trim() || `exit ${probeRun.code}`}`);
    const probe = parseProbe(probeRun.stdout, paths);
    const changedFiles = desired.filter((f, i) => probe.files[i].sha256 !== sha256(f.content));
    changed = [...new Set(changedFiles.map((f) => f.role))];
    for (const foreign of probe.foreignSourceFiles) {
      warnings.push(`${foreign} is not managed by cdktf-chrony but chronyd loads it from the sourcedir: move its sources into the app`);
    }
    const plan = planChange(manifest, changed, probe.running);
    action = plan.action;
    log(`read: ${changed.length === 0 ? "no file differs" : `changed: ${changedFiles.map((f) => path.posix.basename(f.path)).join(", ")}`}; chronyd ${probe.running ? "running" : "not running"}`);
    if (action === "none") {
      await waitForChronyd(chronyc, 5_000);
      log("nothing to do: the host already matches the manifest");
      return result({ action, result: "unchanged", changed });
    }
    log(`plan: ${action} (${plan.reason})`);

    const validate = changed.includes("conf") || changed.includes("sources") ? validation(manifest, desired, changed, checkConf) : undefined;
    if (changed.length > 0 && !validate && (changed.includes("conf") || changed.includes("sources"))) {
      log(`validate: chrony ${manifest.chronyVersion} has no -p; checked against the ${manifest.chronyVersion} grammar at synth`);
    }
    const run = await session.execScript(
      changeScript({
        files: changedFiles.map((f) => ({ path: f.path, content: f.content, mode: f.mode, owner: f.owner })),
        validate,
        actions: actionCommands(action, manifest),
      }),
      { timeoutMs: 120_000 },
    );
    const outcome = parseChangeOutput(run.stdout);
    swapped = outcome.swapped;
    for (const step of outcome.completed) log(STEP_DONE[step](changedFiles.length, action));
    if (outcome.failed || run.code !== 0) {
      const step = outcome.failed ?? "reload";
      const detail = outcome.detail ?? (run.stderr.trim() || `exit ${run.code}`);
      const what: Record<typeof step, string> = {
        stage: "writing the staged files failed",
        validate: "chronyd -p rejected the new configuration",
        swap: "moving the files into place failed",
        reload: action === "restart" || action === "start" ? `chronyd ${action} failed` : `chronyc ${action.replace("+", " + ").replace("-", " ")} failed`,
      };
      throw new StepError(step, `${what[step]}: ${detail}`);
    }

    await verifyAfterApply(chronyc, manifest, log);
    await session.execScript(cleanupScript(paths, checkConf));
    log(`done: ${action}`);
    return result({ action, result: "ok", changed });
  } catch (err) {
    const step = err instanceof StepError ? err.step : "reload";
    const message = err instanceof Error ? err.message : String(err);
    log(`${step} failed: ${message}`);
    if (swapped.length === 0 && step !== "reload" && step !== "verify") {
      await session.execScript(cleanupScript(paths, checkConf)).catch(() => undefined);
      log("nothing was changed on the host");
      return result({ action, result: "failed", changed, failedStep: step, error: message });
    }
    const recovered = await rollBack(session, chronyc, manifest, swapped, action, log);
    return result({
      action,
      result: recovered ? "rolled-back" : "failed",
      changed,
      failedStep: step,
      error: recovered ? message : `${message}; ROLLBACK INCOMPLETE: check the host by hand`,
    });
  } finally {
    await session.close().catch(() => undefined);
  }
}

const STEP_DONE: Record<ChangeStep, (files: number, action: ApplyAction) => string> = {
  stage: (n) => `stage: ${n} file(s) written beside their targets`,
  validate: () => "validate: chronyd -p accepts the new configuration",
  swap: (n) => `swap: ${n} file(s) in place, previous ones kept as backups`,
  reload: (_n, action) => `reload: ${action === "restart" ? "chronyd restarted" : action === "start" ? "chronyd started" : action === "rekey+reload-sources" ? "chronyc rekey + reload sources" : `chronyc ${action.replace("-", " ")}`}`,
};

/** What to run on the host for an action. Keys before sources, so new source lines find their keys. */
function actionCommands(action: ApplyAction, manifest: HostManifest): ReadonlyArray<readonly string[]> {
  const { chronyc, service } = manifest.profile;
  switch (action) {
    case "restart":
      return [service.restart];
    case "start":
      return [service.start];
    case "rekey":
      return [[...chronyc, "rekey"]];
    case "reload-sources":
      return [[...chronyc, "reload", "sources"]];
    case "rekey+reload-sources":
      return [[...chronyc, "rekey"], [...chronyc, "reload", "sources"]];
    case "none":
      return [];
  }
}

/** `chronyd -p` on the staged conf plus the staged (or live) sources file; chrony < 4.0 has no -p. */
function validation(manifest: HostManifest, desired: readonly Desired[], changed: readonly FileRole[], checkConf: string): ChangeScriptInput["validate"] {
  if (!isAtLeast(parseChronyVersion(manifest.chronyVersion), "4.0")) return undefined;
  const p = manifest.profile;
  const stagedConf = changed.includes("conf") ? p.confPath + STAGED_SUFFIX : p.confPath;
  const sourcesFile = desired.find((f) => f.role === "sources");
  const stagedSources = sourcesFile ? (changed.includes("sources") ? sourcesFile.path + STAGED_SUFFIX : sourcesFile.path) : undefined;
  return { chronyd: p.chronyd, prepare: checkConfScript(stagedConf, checkConf, stagedSources), checkConf };
}

async function waitForChronyd(chronyc: RemoteChronyc, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await chronyc.tracking();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new StepError("verify", `chronyd does not answer: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** After the action: chronyd answers and lists every source the manifest names (one round trip when all is well). */
async function verifyAfterApply(chronyc: RemoteChronyc, manifest: HostManifest, log: (l: string) => void): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    let live;
    try {
      live = await chronyc.sourcesWhenReady(RESTART_WAIT_MS / 1000);
    } catch (err) {
      throw new StepError("verify", `chronyd does not answer: ${(err as Error).message}`);
    }
    const missing = missingSources(live, manifest.verify.sources);
    if (missing.length === 0) {
      log(`verify: chronyd answers; ${manifest.verify.sources.length} of ${manifest.verify.sources.length} sources configured`);
      return;
    }
    if (Date.now() > deadline) {
      throw new StepError("verify", `chronyd does not list ${missing.map((m) => `${m.kind} ${m.name}`).join(", ")}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Puts the previous files back and brings chronyd back to running them. True when it worked. */
async function rollBack(
  session: SshSession,
  chronyc: RemoteChronyc,
  manifest: HostManifest,
  swapped: ReadonlyArray<{ path: string; existed: boolean }>,
  action: ApplyAction,
  log: (l: string) => void,
): Promise<boolean> {
  const svc = manifest.profile.service;
  try {
    if (swapped.length > 0) {
      const r = await session.execScript(restoreScript(swapped), { timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`restoring the previous files failed: ${r.stderr.trim()}`);
      log(`rollback: previous files restored (${swapped.map((s) => path.posix.basename(s.path)).join(", ")})`);
    }
    const alive = (await session.exec(svc.isActive, { timeoutMs: 15_000 })).code === 0;
    if (action === "restart" || action === "start" || !alive) {
      const restart = await session.exec(alive ? svc.restart : svc.start, { timeoutMs: 60_000 });
      if (restart.code !== 0 && (await session.exec(svc.isActive)).code !== 0) {
        const start = await session.exec(svc.start, { timeoutMs: 60_000 });
        if (start.code !== 0) throw new Error(`chronyd does not start: ${start.stderr.trim()}`);
      }
    } else {
      await chronyc.command(["rekey"]);
      await chronyc.command(["reload", "sources"]);
    }
    await waitForChronyd(chronyc, RESTART_WAIT_MS);
    await session.execScript(cleanupScript(swapped.map((s) => s.path), manifest.profile.confPath + CHECK_SUFFIX)).catch(() => undefined);
    log("rollback: chronyd runs the previous configuration");
    return true;
  } catch (err) {
    log(`rollback failed: ${(err as Error).message}`);
    return false;
  }
}

/** The summary line the CLI prints for one host. */
export function summaryLine(r: ApplyResult): string {
  const what = r.result === "unchanged" ? "no change" : r.action;
  const tail = r.error ? `: ${r.failedStep} failed: ${r.error}` : "";
  return `${r.host} (${r.address}) ${what} ${r.result} in ${r.seconds.toFixed(2)} s${tail}`;
}

