import * as path from "node:path";
import { isUserError } from "../errors";
import { sha256Hex } from "../sha256";
import { isAtLeast, parseChronyVersion } from "../model/version";
import { sourcesFilePath } from "../render/host-files";
import { SshSession } from "../ssh/types";
import { allRoleSets, applyScript, ApplyScriptStep, DesiredFile, parseApplyOutput, PlannedAction, rolesKey } from "./apply-script";
import { ApplyAction, FileRole, planChange } from "./change-plan";
import { connectHost } from "./connect-host";
import { resolveKeyFile } from "./key-file";
import { HostManifest } from "../manifest";
import { CHECK_SUFFIX, cleanupScript, restoreScript } from "./remote-scripts";

export type ApplyStep = "keys" | "connect" | "read" | ApplyScriptStep | "rollback";

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
  /** The project folder: relative key, salt and SSH paths of the manifest resolve here. */
  readonly projectDir: string;
}

const RESTART_WAIT_SECONDS = 15;


/**
 * What runs on the host for an action. Keys before sources, so new source lines find their keys.
 * chrony before 4.5 fails to reload a source whose options changed (it adds the new line before
 * removing the old one: "Could not add source"; fixed in 4.5), and drops it: a second
 * `reload sources` adds it back.
 */
function actionCommands(action: ApplyAction, manifest: HostManifest): ReadonlyArray<readonly string[]> {
  const { chronyc, service } = manifest.profile;
  const reload = [...chronyc, "reload", "sources"];
  const reloads = isAtLeast(parseChronyVersion(manifest.chronyVersion), "4.5") ? [reload] : [reload, reload];
  switch (action) {
    case "restart":
      return [service.restart];
    case "start":
      return [service.start];
    case "rekey":
      return [[...chronyc, "rekey"]];
    case "reload-sources":
      return reloads;
    case "rekey+reload-sources":
      return [[...chronyc, "rekey"], ...reloads];
    case "none":
      return [];
  }
}

/** planChange for every combination of changed files, so the host can pick in the same round trip. */
function planTable(manifest: HostManifest, running: boolean): Record<string, PlannedAction> {
  return Object.fromEntries(
    allRoleSets().map((roles) => {
      const { action } = planChange(manifest, roles, running);
      return [rolesKey(roles), { action, commands: actionCommands(action, manifest) }];
    }),
  );
}

const STEP_DONE: Record<ApplyScriptStep, (files: number, action: ApplyAction) => string> = {
  stage: (n) => `stage: ${n} file(s) written beside their targets`,
  validate: () => "validate: chronyd -p accepts the new configuration",
  swap: (n) => `swap: ${n} file(s) in place, previous ones kept until verified`,
  reload: (_n, action) =>
    `reload: ${action === "restart" ? "chronyd restarted" : action === "start" ? "chronyd started" : action === "rekey+reload-sources" ? "chronyc rekey + reload sources" : `chronyc ${action.replace("-", " ")}`}`,
  verify: () => "verify: chronyd answers",
};

const FAILURE: Record<ApplyScriptStep, (action: ApplyAction) => string> = {
  stage: () => "writing the staged files failed",
  validate: () => "chronyd -p rejected the new configuration",
  swap: () => "moving the files into place failed",
  reload: (action) => (action === "restart" || action === "start" ? `chronyd ${action} failed` : `chronyc ${action.replace("+", " + ").replace("-", " ")} failed`),
  verify: () => "verification failed",
};

/**
 * Applies one host's manifest: compare the live files with the manifest (digests, on the host),
 * stage the changed ones beside their targets, validate with `chronyd -p` on the host, swap
 * atomically keeping backups, take the least disruptive action, check chronyd answers and lists
 * every source, and on any failure put the previous files back and bring chronyd back as it was.
 * The happy path is one SSH command; a rollback adds two.
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
    keyFile = resolveKeyFile(manifest, options.projectDir);
  } catch (err) {
    if (!isUserError(err)) throw err;
    log(`keys: ${err.message}`);
    return result({ action: "none", result: "failed", changed: [], failedStep: "keys", error: err.message });
  }
  if (keyFile.changedSinceSynth.length > 0) {
    warnings.push(`key material of key ${keyFile.changedSinceSynth.join(", ")} changed since synth: run synth again so the triggers follow`);
  }
  const p = manifest.profile;
  const files: DesiredFile[] = [
    ...manifest.files.map((f) => ({ role: f.role, path: f.path, content: f.content, sha256: sha256Hex(f.content), mode: f.mode })),
    { role: "keys", path: manifest.keys.path, content: keyFile.content, sha256: sha256Hex(keyFile.content), mode: manifest.keys.mode, owner: `${manifest.keys.owner}:${manifest.keys.group}` },
  ];

  let session: SshSession;
  try {
    log(`connect ${manifest.target.user}@${address}`);
    session = await connectHost(manifest, { log, projectDir: options.projectDir });
  } catch (err) {
    const message = isUserError(err) ? err.message : String(err);
    log(`connect failed: ${message}`);
    return result({ action: "none", result: "failed", changed: [], failedStep: "connect", error: message });
  }

  let action: ApplyAction = "none";
  let changed: FileRole[] = [];
  const hasCheckMode = isAtLeast(parseChronyVersion(manifest.chronyVersion), "4.0");
  try {
    const script = applyScript({
      files,
      isActive: p.service.isActive,
      chronyc: p.chronyc,
      sourceDir: p.sourceDir,
      ownSourcesFile: sourcesFilePath(p),
      plans: { running: planTable(manifest, true), stopped: planTable(manifest, false) },
      chronyd: hasCheckMode ? p.chronyd : undefined,
      confPath: p.confPath,
      expectedSources: manifest.verify.sources,
      waitSeconds: RESTART_WAIT_SECONDS,
    });
    const run = await session.execScript(script, { timeoutMs: 180_000 });
    const outcome = parseApplyOutput(run.stdout);
    changed = outcome.changed;
    action = outcome.action ?? "none";
    for (const foreign of outcome.foreignSourceFiles) {
      warnings.push(`${foreign} is not managed by cdktf-chrony but chronyd loads it from the sourcedir: move its sources into the app`);
    }
    const changedFiles = files.filter((f) => changed.includes(f.role));
    log(`read: ${changed.length === 0 ? "no file differs" : `changed: ${changedFiles.map((f) => path.posix.basename(f.path)).join(", ")}`}; chronyd ${outcome.running ? "running" : "not running"}`);
    if (action !== "none") log(`plan: ${action} (${planChange(manifest, changed, outcome.running).reason})`);
    if (changed.length > 0 && (changed.includes("conf") || changed.includes("sources")) && !hasCheckMode) {
      log(`validate: chrony ${manifest.chronyVersion} has no -p; checked against the ${manifest.chronyVersion} grammar at synth`);
    }
    for (const step of outcome.completed) if (step !== "verify") log(STEP_DONE[step](changedFiles.length, action));

    if (!outcome.done) {
      const step: ApplyScriptStep = outcome.failed ?? "reload";
      const message = `${FAILURE[step](action)}: ${outcome.detail ?? (run.stderr.trim() || `exit ${run.code}`)}`;
      log(`${step} failed: ${message}`);
      if (outcome.swapped.length === 0 && (step === "stage" || step === "validate")) {
        await session.execScript(cleanupScript(files.map((f) => f.path), p.confPath + CHECK_SUFFIX)).catch(() => undefined);
        log("nothing was changed on the host");
        return result({ action, result: "failed", changed, failedStep: step, error: message });
      }
      const recovered = await rollBack(session, manifest, outcome.swapped, action, log);
      return result({
        action,
        result: recovered ? "rolled-back" : "failed",
        changed,
        failedStep: step,
        error: recovered ? message : `${message}; ROLLBACK INCOMPLETE: check the host by hand`,
      });
    }
    log(`verify: chronyd answers; ${manifest.verify.sources.length} of ${manifest.verify.sources.length} sources configured`);
    log(action === "none" ? "nothing to do: the host already matches the manifest" : `done: ${action}`);
    return result({ action, result: action === "none" ? "unchanged" : "ok", changed });
  } finally {
    await session.close().catch(() => undefined);
  }
}

/** Puts the previous files back and brings chronyd back to running them. True when it worked. */
async function rollBack(
  session: SshSession,
  manifest: HostManifest,
  swapped: ReadonlyArray<{ path: string; existed: boolean }>,
  action: ApplyAction,
  log: (l: string) => void,
): Promise<boolean> {
  const svc = manifest.profile.service;
  // Loaded only on this rare path: the provisioner starts one apply process per host.
  const { RemoteChronyc } = await import("./remote-chronyc.js");
  const chronyc = new RemoteChronyc(session, manifest.profile.chronyc);
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
      for (const argv of actionCommands("rekey+reload-sources", manifest)) await chronyc.command(argv.slice(manifest.profile.chronyc.length));
    }
    await chronyc.sourcesWhenReady(RESTART_WAIT_SECONDS);
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
