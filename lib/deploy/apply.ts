import * as path from "node:path";
import { parseChronycSources } from "../cmdmon";
import { isUserError } from "../errors";
import type { FileRole, HostManifest } from "../manifest";
import { isAtLeast, parseChronyVersion } from "../model/version";
import { KEPT_KEYS_MARKER, MANAGED_MARKER } from "../render/host-files";
import { sha256Hex } from "../sha256";
import { isSshError } from "../ssh/errors";
import { shellJoin } from "../ssh/shell-quote";
import { SshSession } from "../ssh/types";
import { ApplyAction, planChange } from "./change-plan";
import { confEquivalence } from "./conf-equivalence";
import { HostConnector, connectHost } from "./connect-host";
import { resolveKeyFile } from "./key-file";
import { ProgramOptions, assign, basePreamble, dataFunction, decodeArg, newRun, parseMarker, programSource, startProgram } from "./remote-program";
import { recoverHost, RecoveryOutcome } from "./recover";
import { LiveFile, fileMatch, findSource } from "./rules";

export type ApplyStep = "keys" | "connect" | "lock" | "recover" | "read" | "adopt" | "stage" | "validate" | "swap" | "reload" | "verify";

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
  /** Progress lines (stderr in the CLI), written as each step happens on the host. */
  readonly log: (line: string) => void;
  /** The project folder: relative key, salt and SSH paths of the manifest resolve here. */
  readonly projectDir: string;
  /** How long to wait for another run on the same host to finish. @default 120 */
  readonly lockWaitSeconds?: number;
  /** The whole run on the host, lock wait included; past it the host kills the run and it is rolled back. @default 300 */
  readonly timeoutSeconds?: number;
  /** Test-only: a command run on the host at each step (see remote/common.sh). @default - none */
  readonly faultHook?: string;
  /** How to reach the host. @default - SSH (connectHost) */
  readonly connect?: HostConnector;
}

const DEFAULT_LOCK_WAIT_SECONDS = 120;
const DEFAULT_TIMEOUT_SECONDS = 300;

/** A file as apply wants it on the host. */
interface DesiredFile {
  readonly role: FileRole;
  readonly path: string;
  readonly content: string;
  readonly sha256: string;
  readonly mode: number;
  readonly owner: string;
}

/** What runs on the host for an action. Keys before sources, so new source lines find their keys. */
function actionCommands(action: ApplyAction, manifest: HostManifest): ReadonlyArray<readonly string[]> {
  const { chronyc, service } = manifest.profile;
  const reload = [...chronyc, "reload", "sources"];
  // Before 4.5 chronyd drops a source whose options changed on `reload sources` ("Could not add
  // source"; fixed in 4.5): a second reload adds it back.
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

function applyPreamble(manifest: HostManifest, files: readonly DesiredFile[]): string[] {
  const actions: ApplyAction[] = ["restart", "start", "rekey", "reload-sources", "rekey+reload-sources"];
  const branches = [
    ...actions.map((a) => `    ${a}) ${actionCommands(a, manifest).map((argv) => shellJoin(argv)).join(" && ")} ;;`),
    // Files swapped that chronyd reads the same way (an equivalent chrony.conf): nothing to reload.
    "    none) : ;;",
  ];
  return [
    assign("FILES", files.map((f) => `${f.role} ${f.mode.toString(8)} ${f.owner} ${f.sha256} ${f.path}`).join("\n")),
    dataFunction(
      "file_data",
      files.map((f) => [f.role, f.content]),
    ),
    assign("KEYS_PATH", manifest.keys.path),
    assign("DECLARED_KEY_IDS", manifest.keys.entries.map((k) => k.id).join(" ")),
    assign("UNDECLARED_KEYS", manifest.keys.undeclared),
    assign("MANAGED_MARKER", MANAGED_MARKER),
    assign("KEPT_MARKER", KEPT_KEYS_MARKER),
    assign("CHECK_CONF", isAtLeast(parseChronyVersion(manifest.chronyVersion), "4.0") ? 1 : 0),
    ["do_action() {", '  case "$1" in', ...branches, "    *) return 1 ;;", "  esac", "}"].join("\n"),
  ];
}

const STEP_LINES: Record<string, (n: number, action: ApplyAction) => string> = {
  stage: (n) => `stage: writing ${n} file(s) beside their targets`,
  validate: () => "validate: chronyd -p on the new configuration",
  swap: (n) => `swap: moving ${n} file(s) into place, keeping the previous ones until verified`,
  reload: (_n, action) =>
    `reload: ${action === "none" ? "nothing to reload (chronyd reads the new files as the live ones)" : action === "restart" ? "restarting chronyd" : action === "start" ? "starting chronyd" : action === "rekey+reload-sources" ? "chronyc rekey + reload sources" : `chronyc ${action.replace("-", " ")}`}`,
  verify: () => "verify: waiting for chronyd to answer and list every source",
};

const FAILURES: Record<string, (action: ApplyAction) => string> = {
  read: () => "reading the host failed",
  adopt: () => "the host holds keys the app does not declare",
  stage: () => "writing the staged files failed",
  validate: () => "chronyd -p rejected the new configuration",
  swap: () => "moving the files into place failed",
  reload: (action) => (action === "restart" || action === "start" ? `chronyd ${action} failed` : `chronyc ${action.replace("+", " + ").replace("-", " ")} failed`),
  verify: () => "verification failed",
  recover: () => "an unfinished earlier run could not be finished",
  lock: () => "another run holds the host",
};

/** What the controller learned from the host's markers during one run. */
interface RunState {
  locked: boolean;
  busy?: string;
  live: Map<FileRole, LiveFile | undefined>;
  candidateKeys?: string;
  undeclared: number[];
  running?: boolean;
  foreign: string[];
  action?: ApplyAction;
  changed: FileRole[];
  /** Files whose mode or owner was fixed in place. */
  fixed: FileRole[];
  step?: string;
  failed?: { step: ApplyStep; detail: string };
  rolledBack?: "ok" | "failed";
  recoveredEarlier?: string;
  /** Expected sources chronyd did not list at the end ("server 10.0.0.1"). */
  missing?: string[];
  /** `chronyd -p` of the live and of the new chrony.conf, when chrony.conf's bytes differ. */
  probe?: { readonly live: string; readonly next: string };
  /** sudo refused to start the program: nothing ran on the host. */
  sudoRefused?: boolean;
  done: boolean;
}

/**
 * Applies one host's manifest as a transaction on the host: under the host's lock, finish any
 * unfinished earlier run, compare the files (content, mode, owner), stage the changed ones, validate
 * with `chronyd -p`, swap keeping backups, take the least disruptive action, check chronyd lists
 * every source, then commit; any failure rolls back. One SSH command, its progress streamed. If the
 * run is cut off (timeout, lost connection), a second connection finishes it; if that fails too, the
 * journal left on the host is reported by drift and finished by the next apply.
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
  const files: DesiredFile[] = [
    ...manifest.files.map((f) => ({ role: f.role, path: f.path, content: f.content, sha256: sha256Hex(f.content), mode: f.mode, owner: f.owner })),
    {
      role: "keys",
      path: manifest.keys.path,
      content: keyFile.content,
      sha256: sha256Hex(keyFile.content),
      mode: manifest.keys.mode,
      owner: `${manifest.keys.owner}:${manifest.keys.group}`,
    },
  ];
  const programOptions: ProgramOptions = { lockWaitSeconds: options.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS, faultHook: options.faultHook };
  const timeoutMs = (options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;

  let session: SshSession;
  try {
    log(`connect ${manifest.target.user}@${address}`);
    session = await (options.connect ?? connectHost)(manifest, { log, projectDir: options.projectDir });
  } catch (err) {
    const message = isUserError(err) ? err.message : String(err);
    log(`connect failed: ${message}`);
    return result({ action: "none", result: "failed", changed: [], failedStep: "connect", error: message });
  }

  const state: RunState = { locked: false, live: new Map(), undeclared: [], foreign: [], changed: [], fixed: [], done: false };
  let lost: string | undefined;
  try {
    lost = await runTransaction(session, manifest, files, state, { ...programOptions, timeoutMs, log });
  } finally {
    await session.close().catch(() => undefined);
  }

  for (const foreign of state.foreign) {
    warnings.push(`${foreign} is not managed by cdktf-chrony but chronyd loads it from the sourcedir: move its sources into the app`);
  }
  const action = state.action ?? "none";
  const changed = state.changed;
  if (state.busy !== undefined) {
    const error = `another run holds the host (${state.busy.trim() || "holder unknown"}) and did not finish within ${programOptions.lockWaitSeconds} s: wait for it, or raise --lock-wait`;
    log(`lock: ${error}`);
    return result({ action: "none", result: "failed", changed: [], failedStep: "lock", error });
  }
  if (state.done && action === "none" && (state.missing ?? []).length > 0) {
    // Nothing changed on disk, but chronyd does not list a configured source (deleted at runtime?).
    warnings.push(`chronyd does not list ${state.missing!.join(", ")} although its files match: 'cdktf-chrony drift --heal' reloads the sources`);
  }
  if (state.done) {
    const unchanged = action === "none" && changed.length === 0 && state.fixed.length === 0;
    const what = action !== "none" ? action : changed.length > 0 ? "files swapped, nothing to reload" : "mode and owner fixed";
    log(unchanged ? "nothing to do: the host already matches the manifest" : `done: ${what}`);
    return result({ action, result: unchanged ? "unchanged" : "ok", changed });
  }
  if (state.failed && lost === undefined) {
    const message = `${(FAILURES[state.failed.step] ?? (() => `${state.failed!.step} failed`))(action)}: ${state.failed.detail}`;
    if (state.rolledBack === "ok") {
      log("rollback: chronyd runs the previous configuration");
      return result({ action, result: "rolled-back", changed, failedStep: state.failed.step, error: message });
    }
    if (state.rolledBack === "failed") {
      return result({ action, result: "failed", changed, failedStep: state.failed.step, error: `${message}; ROLLBACK INCOMPLETE: the host keeps a journal of the run: 'cdktf-chrony drift' reports it, the next apply finishes it` });
    }
    log("nothing was changed on the host");
    return result({ action, result: "failed", changed, failedStep: state.failed.step, error: message });
  }

  // Cut off: the host may still hold the run's journal. Without the lock it never started; before
  // the stage step nothing was changed. Otherwise a second connection finishes the run.
  const step = (state.sudoRefused ? "connect" : (state.step ?? "lock")) as ApplyStep;
  const why = lost ?? "the host's answer ended early";
  log(`${step}: ${why}`);
  if (!state.locked) return result({ action, result: "failed", changed, failedStep: step, error: `${why}; nothing was changed on the host` });
  const recovery: RecoveryOutcome = await recoverHost(manifest, { log: options.log, projectDir: options.projectDir, connect: options.connect, ...programOptions });
  const error = `${why} during ${step}; ${recovery.summary}`;
  return result({ action, result: recovery.outcome === "old" ? "rolled-back" : "failed", changed, failedStep: step, error });
}

interface TransactionOptions extends ProgramOptions {
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

/**
 * Runs the apply program and answers it. Returns why the run was cut off (an SshError's message),
 * or undefined when the host finished it either way (state says how).
 */
async function runTransaction(
  session: SshSession,
  manifest: HostManifest,
  files: readonly DesiredFile[],
  state: RunState,
  options: TransactionOptions,
): Promise<string | undefined> {
  const run = newRun();
  const source = programSource("apply", [...basePreamble(manifest, run, options), ...applyPreamble(manifest, files)]);
  const log = options.log;
  let answer: (text: string) => void = () => undefined;
  const onLine = (line: string) => {
    const marker = parseMarker(line, run.nonce);
    if (!marker) return;
    const [a, b, c, d] = marker.args;
    switch (marker.word) {
      case "LOCKED":
        state.locked = true;
        break;
      case "BUSY":
        state.busy = decodeArg(a);
        break;
      case "JOURNAL":
        log(`recover: an earlier run (${a}) was interrupted in state ${b}; finishing it first`);
        break;
      case "RECOVERED":
        state.recoveredEarlier = b;
        log(`recover: run ${a} ${b === "new" ? "was finished (its changes had been verified)" : "was rolled back"}`);
        break;
      case "RECOVERY_FAILED":
        log(`recover: ${decodeArg(a)}`);
        break;
      case "UNDECLARED":
        state.undeclared = a.split(",").map(Number);
        break;
      case "FILE":
        state.live.set(a as FileRole, b === "-" ? undefined : { sha256: b, mode: c, owner: d });
        break;
      case "CANDIDATE":
        state.candidateKeys = b;
        break;
      case "PROBE":
        state.probe = { live: decodeArg(a), next: decodeArg(b) };
        break;
      case "RUNNING":
        state.running = a === "yes";
        break;
      case "FOREIGN":
        state.foreign.push(decodeArg(a));
        break;
      case "AWAIT_PLAN":
        answer(planAnswer(manifest, files, state, run.nonce, log));
        break;
      case "STEP":
        state.step = a;
        if (a !== "verify" || state.changed.length > 0) log(STEP_LINES[a]?.(state.changed.length, state.action ?? "none") ?? a);
        break;
      case "FIXED":
        state.fixed.push(a as FileRole);
        log(`fix: mode and owner of ${files.find((f) => f.role === a)?.path ?? a}`);
        break;
      case "LISTING": {
        const live = parseChronycSources(decodeArg(a), decodeArg(b));
        const missing = manifest.verify.sources.filter((e) => !findSource(live, e));
        const total = manifest.verify.sources.length;
        if (missing.length === 0) log(`verify: chronyd answers; ${total} of ${total} sources configured`);
        state.missing = missing.map((m) => `${m.kind} ${m.name}`);
        break;
      }
      case "AWAIT_VERDICT": {
        const missing = state.missing ?? [];
        answer(
          missing.length === 0
            ? `COMMIT ${run.nonce}\n`
            : `ROLLBACK ${run.nonce} ${Buffer.from(`chronyd does not list ${missing.join(", ")}`).toString("base64")}\n`,
        );
        break;
      }
      case "PASSED":
        log("validate: chronyd -p accepts the new configuration");
        break;
      case "FAIL": {
        state.failed = { step: a as ApplyStep, detail: programWords(decodeArg(b)) };
        const describe = FAILURES[a] ?? (() => `${a} failed`);
        log(`${a} failed: ${describe(state.action ?? "none")}: ${state.failed.detail}`);
        break;
      }
      case "ROLLED_BACK":
        state.rolledBack = a === "ok" ? "ok" : "failed";
        log(a === "ok" ? "rollback: previous files restored" : `rollback failed: ${decodeArg(b)}`);
        break;
      case "DONE":
        state.done = true;
        break;
    }
  };
  try {
    const running = await startProgram(session, source, { timeoutMs: options.timeoutMs, onLine });
    answer = (text) => running.write(text);
    const exit = await running.done;
    if (!state.done && !state.failed && state.busy === undefined) {
      return `the run on the host ended without a result (exit ${exit.code ?? exit.signal}${exit.stderr.trim() ? `: ${exit.stderr.trim().split("\n").pop()}` : ""})`;
    }
    return undefined;
  } catch (err) {
    if (isSshError(err)) {
      state.sudoRefused = err.code === "SUDO_REFUSED";
      return err.message;
    }
    throw err;
  }
}

/** A program's own words for a message: its last lines, without chronyd's timestamps. */
function programWords(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.replace(/^\d{4}-\d\d-\d\dT[\d:]+Z /, "").trim())
    .filter(Boolean);
  return lines.slice(-3).join(" / ") || "no detail";
}

/** Decides the plan from what the host reported: which files to write, which to fix, which action. */
function planAnswer(manifest: HostManifest, files: readonly DesiredFile[], state: RunState, nonce: string, log: (l: string) => void): string {
  if (state.undeclared.length > 0 && manifest.keys.undeclared === "refuse") {
    const reason = `${manifest.keys.path} holds key(s) ${state.undeclared.join(", ")} that the app does not declare: set undeclaredKeys: "keep" (carry them over) or "remove" on host ${manifest.id}, or declare them as NtpKeys; nothing was changed`;
    return `ABANDON ${nonce} adopt ${Buffer.from(reason).toString("base64")}\n`;
  }
  const changed: FileRole[] = [];
  const meta: FileRole[] = [];
  for (const f of files) {
    const keep = f.role === "keys" && state.candidateKeys !== undefined;
    const match = fileMatch(state.live.get(f.role), { sha256: keep ? state.candidateKeys! : f.sha256, mode: f.mode, owner: f.owner });
    if (match === "missing" || match === "content") changed.push(f.role);
    else if (match !== "same") meta.push(f.role);
  }
  // A chrony.conf that chronyd reads as the live one is swapped in without the restart.
  const equivalence = changed.includes("conf") && state.probe && manifest.reloadPolicy !== "restart" ? confEquivalence(state.probe.live, state.probe.next) : undefined;
  const forAction = equivalence?.equivalent ? changed.filter((r) => r !== "conf") : changed;
  const decided = planChange(manifest, forAction, state.running === true);
  const plan = equivalence?.equivalent ? { ...decided, reason: `${forAction.length > 0 ? `${decided.reason}; ` : ""}${equivalence.reason}: no restart` } : decided;
  state.action = plan.action;
  state.changed = changed;
  const names = (roles: readonly FileRole[]) => roles.map((r) => path.posix.basename(files.find((f) => f.role === r)!.path)).join(", ");
  log(
    `read: ${changed.length === 0 ? "no file differs" : `changed: ${names(changed)}`}${meta.length ? `; mode or owner differs: ${names(meta)}` : ""}; chronyd ${state.running ? "running" : "not running"}`,
  );
  if (plan.action !== "none" || changed.length > 0) log(`plan: ${plan.action} (${plan.reason})`);
  const list = (roles: readonly FileRole[]) => (roles.length === 0 ? "-" : roles.join("+"));
  return `PLAN ${nonce} ${plan.action} ${list(changed)} ${list(meta)}\n`;
}

/** The summary line the CLI prints for one host. */
export function summaryLine(r: ApplyResult): string {
  const what = r.result === "unchanged" ? "no change" : r.action;
  const tail = r.error ? `: ${r.failedStep} failed: ${r.error}` : "";
  return `${r.host} (${r.address}) ${what} ${r.result} in ${r.seconds.toFixed(2)} s${tail}`;
}
