import * as path from "node:path";
import { parseChronycAuthData, parseChronycSources, type AuthData } from "../cmdmon";
import { isUserError } from "../errors";
import type { FileRole, HostManifest } from "../manifest";
import { isAtLeast, parseChronyVersion } from "../model/version";
import { KEPT_KEYS_MARKER, MANAGED_MARKER } from "../render/host-files";
import { sha256Hex } from "../sha256";
import { isSshError } from "../ssh/errors";
import { shellJoin } from "../ssh/shell-quote";
import { SshSession } from "../ssh/types";
import { blockingChains } from "../firewall/nftables";
import { ApplyAction, ChronydAction, chronydAction, loadsFirewall, planChange } from "./change-plan";
import { confEquivalence } from "./conf-equivalence";
import { HostConnector, connectHost } from "./connect-host";
import { FirewallReport, recordFirewallMarker } from "./firewall-markers";
import { resolveKeyFile } from "./key-file";
import { resolveNtsKeyFile } from "./nts-key-file";
import {
  ProgramOptions,
  assign,
  basePreamble,
  dataFunction,
  decodeArg,
  newRun,
  ntsSourcesAssignment,
  parseMarker,
  programSource,
  startProgram,
} from "./remote-program";
import { recoverHost, RecoveryOutcome } from "./recover";
import { RETIRED_FIREWALL, retiredFirewallPath, retiredFirewallReason } from "./retired-firewall";
import { LiveFile, authDataOf, fileMatch, findSource, firewallState, ntsFailure, ntsKeState } from "./rules";

export type ApplyStep =
  "keys" | "certificates" | "connect" | "lock" | "recover" | "read" | "adopt" | "stage" | "validate" | "swap" | "reload" | "firewall" | "verify";

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
  /** "-" for a file that must be gone (a retired firewall's rules). */
  readonly sha256: string;
  readonly mode: number;
  readonly owner: string;
}

/** The rules file of a firewall the app no longer manages, as a file that must be gone (see retired-firewall.ts). */
function retiredFirewallFile(manifest: HostManifest): DesiredFile[] {
  const retired = retiredFirewallPath(manifest);
  return retired === undefined ? [] : [{ role: "firewall", path: retired, content: "", sha256: GONE, mode: 0o640, owner: "-" }];
}

const GONE = "-";

/**
 * What runs on the host for an action, as shell text. Keys before sources, so new source lines find
 * their keys; `nts_forget` (apply.sh) before the restart or start of a "+nts-ke" action.
 */
function actionCommands(action: ChronydAction, manifest: HostManifest): string {
  const { chronyc, service } = manifest.profile;
  const reload = [...chronyc, "reload", "sources"];
  // Before 4.5 chronyd drops a source whose options changed on `reload sources` ("Could not add
  // source"; fixed in 4.5): a second reload adds it back.
  const reloads = isAtLeast(parseChronyVersion(manifest.chronyVersion), "4.5") ? [reload] : [reload, reload];
  const run = (argvs: ReadonlyArray<readonly string[]>) => argvs.map((argv) => shellJoin(argv)).join(" && ");
  switch (action) {
    case "restart":
      return run([service.restart]);
    case "start":
      return run([service.start]);
    case "restart+nts-ke":
      return `nts_forget && ${run([service.restart])}`;
    case "start+nts-ke":
      return `nts_forget && ${run([service.start])}`;
    case "rekey":
      return run([[...chronyc, "rekey"]]);
    case "reload-sources":
      return run(reloads);
    case "rekey+reload-sources":
      return run([[...chronyc, "rekey"], ...reloads]);
    case "none":
      return ":";
  }
}

/** The NTS cookie dump folder (ntsdumpdir) of the host's configuration, if any. */
function ntsDumpDir(manifest: HostManifest): string {
  const fromProfile = manifest.profile.baseDirectives.find((d) => d.name.toLowerCase() === "ntsdumpdir")?.args[0];
  const conf = manifest.files.find((f) => f.role === "conf")?.content ?? "";
  return fromProfile ?? /^ntsdumpdir\s+(\S+)/m.exec(conf)?.[1] ?? "";
}

function applyPreamble(manifest: HostManifest, files: readonly DesiredFile[]): string[] {
  const actions: ChronydAction[] = ["restart", "start", "rekey", "reload-sources", "rekey+reload-sources", "restart+nts-ke", "start+nts-ke", "none"];
  // "none" with files to swap: they mean the same to chronyd as the live ones (an equivalent chrony.conf).
  const branches = actions.map((a) => `    ${a}) ${actionCommands(a, manifest)} ;;`);
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
    ntsSourcesAssignment(manifest),
    assign("NTS_DUMP_DIR", ntsDumpDir(manifest)),
    ["do_action() {", '  case "$1" in', ...branches, "    *) return 1 ;;", "  esac", "}"].join("\n"),
  ];
}

const STEP_LINES: Record<string, (n: number, action: ApplyAction) => string> = {
  stage: (n) => `stage: writing ${n} file(s) beside their targets`,
  validate: () => "validate: chronyd -p on the new configuration",
  swap: (n) => `swap: moving ${n} file(s) into place, keeping the previous ones until verified`,
  reload: (_n, action) => `reload: ${ACTION_WORDS[chronydAction(action)]}`,
  "check-firewall": () => "validate: nft -c on the new firewall rules",
  firewall: () => "firewall: loading the firewall rules (nft -f)",
  verify: () => "verify: waiting for chronyd to answer and list every source",
};

const ACTION_WORDS: Record<ChronydAction, string> = {
  none: "nothing to reload (chronyd reads the new files as the live ones)",
  restart: "restarting chronyd",
  start: "starting chronyd",
  "restart+nts-ke": "dropping the NTS sources' cookies and restarting chronyd",
  "start+nts-ke": "dropping the NTS sources' cookies and starting chronyd",
  rekey: "chronyc rekey",
  "reload-sources": "chronyc reload sources",
  "rekey+reload-sources": "chronyc rekey + reload sources",
};

const FAILURES: Record<string, (action: ApplyAction) => string> = {
  read: () => "reading the host failed",
  adopt: () => "the host holds keys the app does not declare",
  stage: () => "writing the staged files failed",
  validate: () => "chronyd -p rejected the new configuration",
  swap: () => "moving the files into place failed",
  reload: (action) => {
    const chronyd = chronydAction(action);
    return chronyd.startsWith("restart") || chronyd.startsWith("start")
      ? `chronyd ${chronyd.replace("+nts-ke", "")} failed`
      : `chronyc ${chronyd.replace("+", " + ").replace("-", " ")} failed`;
  },
  firewall: () => "firewall",
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
  /** The live sources and authdata of the last verify round. */
  liveSources?: ReturnType<typeof parseChronycSources>;
  authData?: AuthData[];
  /** The firewall as the host reported it (a host whose firewall the app manages). */
  firewall: FirewallReport;
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
  // The NTS server key likewise, checked with its certificate before anything touches the host.
  let ntsKey;
  try {
    ntsKey = resolveNtsKeyFile(manifest, options.projectDir);
  } catch (err) {
    if (!isUserError(err)) throw err;
    log(`certificates: ${err.message}`);
    return result({ action: "none", result: "failed", changed: [], failedStep: "certificates", error: err.message });
  }
  if (ntsKey?.changedSinceSynth) warnings.push("the NTS server key changed since synth: run synth again so the triggers follow");
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
    ...(ntsKey && manifest.nts?.key
      ? [
          {
            role: "nts-key" as const,
            path: manifest.nts.key.path,
            content: ntsKey.content,
            sha256: sha256Hex(ntsKey.content),
            mode: manifest.nts.key.mode,
            owner: `${manifest.nts.key.owner}:${manifest.nts.key.group}`,
          },
        ]
      : []),
    ...retiredFirewallFile(manifest),
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

  const state: RunState = { locked: false, live: new Map(), undeclared: [], foreign: [], changed: [], fixed: [], firewall: {}, done: false };
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
      return result({
        action,
        result: "failed",
        changed,
        failedStep: state.failed.step,
        error: `${message}; ROLLBACK INCOMPLETE: the host keeps a journal of the run: 'cdktf-chrony drift' reports it, the next apply finishes it`,
      });
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
  const recovery: RecoveryOutcome = await recoverHost(manifest, {
    log: options.log,
    projectDir: options.projectDir,
    connect: options.connect,
    ...programOptions,
  });
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
  const nts = new NtsWatch(manifest);
  let answer: (text: string) => void = () => undefined;
  const onLine = (line: string) => {
    const marker = parseMarker(line, run.nonce);
    if (!marker) return;
    if (recordFirewallMarker(state.firewall, marker.word, marker.args)) return;
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
      case "STEP": {
        state.step = a;
        // A run that only reloads (the firewall's table, say) writes no file: no stage or swap line.
        const written = state.changed.filter((r) => files.find((f) => f.role === r)?.sha256 !== GONE).length;
        const quiet = (state.changed.length === 0 && (a === "verify" || a === "swap")) || (written === 0 && a === "stage");
        if (a === "firewall" && !manifest.firewall) log(`firewall: removing table ${RETIRED_FIREWALL.table} (nft delete table)`);
        else if (!quiet) log(STEP_LINES[a]?.(a === "stage" ? written : state.changed.length, state.action ?? "none") ?? a);
        break;
      }
      case "FIXED":
        state.fixed.push(a as FileRole);
        log(`fix: mode and owner of ${files.find((f) => f.role === a)?.path ?? a}`);
        break;
      case "LISTING": {
        const live = parseChronycSources(decodeArg(a), decodeArg(b));
        const missing = manifest.verify.sources.filter((e) => !findSource(live, e));
        const total = manifest.verify.sources.length;
        if (missing.length === 0 && state.missing === undefined) log(`verify: chronyd answers; ${total} of ${total} sources configured`);
        state.missing = missing.map((m) => `${m.kind} ${m.name}`);
        state.liveSources = live;
        break;
      }
      case "AUTHDATA":
        state.authData = parseChronycAuthData(decodeArg(a));
        break;
      case "AWAIT_VERDICT": {
        const missing = state.missing ?? [];
        const rollback = (why: string) => `ROLLBACK ${run.nonce} ${Buffer.from(why).toString("base64")}\n`;
        if (missing.length > 0) {
          answer(rollback(`chronyd does not list ${missing.join(", ")}`));
          break;
        }
        const fw = state.firewall;
        if (state.action && loadsFirewall(state.action) && fw.loaded !== undefined && firewallState(fw.loaded, fw.want) === "differs") {
          answer(
            rollback(
              manifest.firewall
                ? `after 'nft -f', table inet ${manifest.firewall.table} does not list what its rules file says`
                : `table ${RETIRED_FIREWALL.table} is still loaded after 'nft delete table'`,
            ),
          );
          break;
        }
        const verdict = nts.judge(state.liveSources ?? [], state.authData ?? []);
        if (verdict.kind === "wait") {
          answer(`AGAIN ${run.nonce}\n`);
          break;
        }
        if (verdict.kind === "fail") {
          answer(rollback(verdict.reason));
          break;
        }
        if (verdict.established > 0) log(`verify: NTS established with ${verdict.established} source(s)`);
        answer(`COMMIT ${run.nonce}\n`);
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

/** How long a failed-looking NTS-KE must last before apply believes it (a session takes milliseconds; chronyd's client gives up after 2 s). */
const NTS_FAILURE_SECONDS = 3;

/**
 * The apply's NTS check after the action: each NTS source must establish NTS-KE (hold cookies the
 * server accepts) within the host's verify timeout; one whose NTS-KE keeps failing, or that is
 * still pending at the deadline, rolls the run back. The same rule (rules.ts) decides in verify and drift.
 */
class NtsWatch {
  private readonly deadline: number;
  private readonly failingSince = new Map<string, number>();

  constructor(private readonly manifest: HostManifest) {
    this.deadline = Date.now() + manifest.verify.timeoutSeconds * 1000;
  }

  judge(
    live: ReturnType<typeof parseChronycSources>,
    authData: readonly AuthData[],
  ): { kind: "wait" } | { kind: "fail"; reason: string } | { kind: "ok"; established: number } {
    const now = Date.now();
    let established = 0;
    const pending: string[] = [];
    for (const e of this.manifest.verify.sources.filter((s) => s.nts)) {
      const source = findSource(live, e);
      const data = source ? authDataOf(source, authData) : undefined;
      const state = ntsKeState(data);
      if (state === "not-nts") return { kind: "fail", reason: `${e.kind} ${e.name} should use NTS but chronyd does not authenticate it with NTS` };
      if (state === "established") {
        established++;
        this.failingSince.delete(e.name);
        continue;
      }
      if (state === "failed") {
        const since = this.failingSince.get(e.name) ?? now;
        this.failingSince.set(e.name, since);
        if (now - since >= NTS_FAILURE_SECONDS * 1000) return { kind: "fail", reason: ntsFailure(e, data) };
      }
      pending.push(`${e.kind} ${e.name}`);
    }
    if (pending.length === 0) return { kind: "ok", established };
    if (now < this.deadline) return { kind: "wait" };
    return { kind: "fail", reason: `NTS-KE with ${pending.join(", ")} has not completed within ${this.manifest.verify.timeoutSeconds} s` };
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
  const fw = state.firewall;
  if (manifest.firewall) {
    const abandon = (step: string, why: string) => `ABANDON ${nonce} ${step} ${Buffer.from(`${why}; nothing was changed`).toString("base64")}\n`;
    if (fw.missing) {
      return abandon(
        "read",
        `${manifest.firewall.nft[0]} is not installed on the host, and the app manages its firewall with nftables: install nftables (apt-get install nftables, dnf install nftables), or leave the firewall prop out`,
      );
    }
    if (fw.wantError !== undefined) return abandon("firewall", `nft cannot list the firewall rules: ${programWords(fw.wantError)}`);
    try {
      const blocked = blockingChains(fw.ruleset ?? "", manifest.firewall, new Set(manifest.firewall.families));
      if (blocked.length > 0) return abandon("firewall", blocked.map((c) => c.reason).join("; "));
    } catch (err) {
      return abandon("firewall", (err as Error).message);
    }
  }
  const changed: FileRole[] = [];
  const meta: FileRole[] = [];
  const what: Partial<Record<FileRole, string>> = {};
  for (const f of files) {
    if (f.sha256 === GONE) {
      if (state.live.get(f.role) !== undefined) {
        changed.push(f.role);
        what[f.role] = retiredFirewallReason(f.path);
      }
      continue;
    }
    const keep = f.role === "keys" && state.candidateKeys !== undefined;
    const match = fileMatch(state.live.get(f.role), { sha256: keep ? state.candidateKeys! : f.sha256, mode: f.mode, owner: f.owner });
    if (match === "missing" || match === "content") changed.push(f.role);
    else if (match !== "same") meta.push(f.role);
  }
  // A chrony.conf that chronyd reads as the live one is swapped in without the restart.
  const equivalence =
    changed.includes("conf") && state.probe && manifest.reloadPolicy !== "restart" ? confEquivalence(state.probe.live, state.probe.next) : undefined;
  const forAction = equivalence?.equivalent ? changed.filter((r) => r !== "conf") : changed;
  const decided = planChange(manifest, forAction, state.running === true, what, manifest.firewall ? firewallState(fw.live, fw.want) : "same");
  const plan = equivalence?.equivalent
    ? { ...decided, reason: `${forAction.length > 0 ? `${decided.reason}; ` : ""}${equivalence.reason}: no restart` }
    : decided;
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
