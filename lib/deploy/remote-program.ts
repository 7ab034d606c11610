import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { chronycArgs } from "../cmdmon";
import type { HostManifest } from "../manifest";
import { isAtLeast, parseChronyVersion } from "../model/version";
import { sourcesFilePath } from "../render/host-files";
import { RETIRED_FIREWALL, retiredFirewallPath } from "./retired-firewall";
import { shellJoin, shellQuote } from "../ssh/shell-quote";
import type { RunningCommand, SshSession } from "../ssh/types";

/**
 * The programs cdktf-chrony runs on a host are fixed shell files (`remote/*.sh`, unit-tested under
 * sh with stub commands). What differs per host and per run travels in a generated preamble of
 * variables, payloads and functions, every value quoted once.
 */
export type ProgramName = "apply" | "recover" | "survey";

const REMOTE_DIR = path.join(__dirname, "remote");
const texts = new Map<string, string>();

function programText(name: string): string {
  let text = texts.get(name);
  if (text === undefined) {
    text = fs.readFileSync(path.join(REMOTE_DIR, `${name}.sh`), "utf8");
    texts.set(name, text);
  }
  return text;
}

/** A value for the preamble: `NAME='value'`. */
export function assign(name: string, value: string | number): string {
  return `${name}=${shellQuote(String(value))}`;
}

/** `NTS_SOURCES`: the names of the host's NTS sources, space-separated (apply and survey list their authdata when there are any; apply forgets their cookies on "+nts-ke"). */
export function ntsSourcesAssignment(manifest: HostManifest): string {
  return assign(
    "NTS_SOURCES",
    manifest.verify.sources
      .filter((s) => s.nts)
      .map((s) => s.name)
      .join(" "),
  );
}

/** A function that runs a fixed argv with the caller's arguments appended. */
export function commandFunction(name: string, argv: readonly string[], passArgs = true): string {
  return `${name}() { ${shellJoin(argv)}${passArgs ? ' "$@"' : ""}; }`;
}

/** A function that prints `content` (any bytes), carried base64-encoded in a quoted here-document. */
export function dataFunction(name: string, cases: ReadonlyArray<readonly [label: string, content: string]>): string {
  const branches = cases.map(([label, content]) => {
    const b64 = Buffer.from(content)
      .toString("base64")
      .replace(/(.{76})/g, "$1\n");
    return `  ${shellQuote(label)}) base64 -d <<'CDKTF_CHRONY_DATA'\n${b64}\nCDKTF_CHRONY_DATA\n  ;;`;
  });
  return [`${name}() {`, '  case "$1" in', ...branches, "  *) return 1 ;;", "  esac", "}"].join("\n");
}

export interface ProgramOptions {
  /** How long a run waits for another run on the host to finish. */
  readonly lockWaitSeconds: number;
  /** A test-only command run on the host at each step (see common.sh `hook`). */
  readonly faultHook?: string;
}

/** Seconds chronyd has to answer on its socket after a restart. */
export const ANSWER_WAIT_SECONDS = 15;

/**
 * The lines every program starts with: the run's identity, where the lock and journal live, and the
 * host's commands (from the profile) as shell functions.
 */
export function basePreamble(manifest: HostManifest, run: { readonly nonce: string; readonly id: string }, options: ProgramOptions): string[] {
  const p = manifest.profile;
  const reload = [...p.chronyc, "reload", "sources"];
  // Before 4.5 chronyd drops a source whose options changed on `reload sources`; a second reload adds it back.
  const reloads = isAtLeast(parseChronyVersion(manifest.chronyVersion), "4.5") ? [reload] : [reload, reload];
  return [
    assign("NONCE", run.nonce),
    assign("RUN", run.id),
    assign("CONF", p.confPath),
    assign("LOCK_WAIT_SECONDS", Math.max(0, Math.round(options.lockWaitSeconds))),
    assign("ANSWER_WAIT_TENTHS", ANSWER_WAIT_SECONDS * 10),
    assign("FAULT_HOOK", options.faultHook ?? ""),
    commandFunction("run_chronyc", p.chronyc),
    commandFunction("run_chronyd", p.chronyd),
    commandFunction("svc_restart", p.service.restart, false),
    commandFunction("svc_start", p.service.start, false),
    commandFunction("svc_active", p.service.isActive, false),
    // Brings a running chronyd back to the files on disk without a restart.
    `revert_running() { ${[[...p.chronyc, "rekey"], ...reloads].map((argv) => shellJoin(argv)).join(" && ")}; }`,
    commandFunction("list_sources_plain", chronycArgs(p.chronyc, "sources", { all: true }), false),
    commandFunction("list_sources_named", chronycArgs(p.chronyc, "sources", { all: true, names: true }), false),
    commandFunction("list_ntpdata", chronycArgs(p.chronyc, "ntpdata"), false),
    commandFunction("list_authdata", chronycArgs(p.chronyc, "authdata"), false),
    assign("SOURCE_DIR", p.sourceDir),
    assign("OWN_SOURCES", sourcesFilePath(p)),
    ...firewallPreamble(manifest),
  ];
}

/**
 * The firewall's commands on the host. For a host whose firewall the app manages (FW_FILE set):
 * check, load and remove cdktf-chrony's table, list it as nft prints it, list a rules file (on
 * stdin) as nft would print it once loaded (in an empty network namespace, so nothing touches the
 * host's firewall), and the whole ruleset as JSON (to find chains that would drop what the table
 * accepts). For any other host, FW_RETIRED names where a rules file from when the app managed the
 * firewall would be (see retiredFirewallPath): apply removes it with its table, and puts both back
 * on a rollback. None reads the program's stdin, where the controller's answers arrive.
 */
function firewallPreamble(manifest: HostManifest): string[] {
  const fw = manifest.firewall;
  const file = manifest.files.find((f) => f.role === "firewall");
  const managed = fw !== undefined && file !== undefined;
  const nft = shellJoin(managed ? fw.nft : RETIRED_FIREWALL.nft);
  const table = managed ? `inet ${fw.table}` : RETIRED_FIREWALL.table;
  const list = `${nft} list table ${table}`;
  // What apply's action and a rollback need either way: load a rules file, remove the table, list it.
  const sync = [
    `fw_load() { ${nft} -f "$1" </dev/null; }`,
    `fw_unload() { if ${list} >/dev/null 2>&1 </dev/null; then ${nft} delete table ${table} </dev/null; fi; }`,
    `fw_live() { ${list} 2>/dev/null </dev/null || :; }`,
  ];
  if (!managed) return [assign("FW_FILE", ""), assign("FW_RETIRED", retiredFirewallPath(manifest) ?? ""), ...sync];
  return [
    assign("FW_FILE", file.path),
    assign("FW_RETIRED", ""),
    ...sync,
    `fw_present() { command -v ${shellQuote(fw.nft[0])} >/dev/null 2>&1; }`,
    `fw_check() { ${nft} -c -f "$1" </dev/null; }`,
    `fw_canonical() { ${shellJoin([...fw.scratch, "sh", "-c", `${nft} -f /dev/stdin && ${list}`])}; }`,
    `fw_ruleset() { ${nft} -j list ruleset </dev/null; }`,
  ];
}

/** A fresh identity for one run: the nonce that marks its output, and the suffix of its file names. */
export function newRun(): { readonly nonce: string; readonly id: string } {
  return { nonce: randomBytes(12).toString("hex"), id: randomBytes(6).toString("hex") };
}

/** The text sent to the host: the preamble, the shared functions, then the program. */
export function programSource(name: ProgramName, preamble: readonly string[]): string {
  return [...preamble, programText("common"), programText(name)].join("\n");
}

/**
 * Starts a program on the host. The command line is fixed and short; the program (with its payloads,
 * secrets included) comes on stdin, its length first, so the rest of stdin stays free for the
 * controller's later answers and nothing of it shows in the host's process list.
 */
export function startProgram(
  session: SshSession,
  source: string,
  options: { readonly timeoutMs: number; readonly onLine: (line: string) => void },
): Promise<RunningCommand> {
  const loader = 'IFS= read -r n && s=$(head -c "$n") && eval "$s"';
  return session.start(["sh", "-c", loader], { timeoutMs: options.timeoutMs, onLine: options.onLine }).then((running) => {
    running.write(`${Buffer.byteLength(source)}\n${source}`);
    return running;
  });
}

/** A marker line of this run: its word and arguments, or undefined for any other line. */
export function parseMarker(line: string, nonce: string): { readonly word: string; readonly args: string[] } | undefined {
  const prefix = `@${nonce} `;
  if (!line.startsWith(prefix)) return undefined;
  const [word, ...args] = line.slice(prefix.length).split(" ");
  return { word, args };
}

/** A base64 marker argument as text ("-" is empty). */
export function decodeArg(arg: string | undefined): string {
  return arg === undefined || arg === "-" ? "" : Buffer.from(arg, "base64").toString("utf8");
}
