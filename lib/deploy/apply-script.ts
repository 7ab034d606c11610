import { shellJoin, shellQuote } from "../ssh/shell-quote";
import { ApplyAction, FileRole } from "./change-plan";
import { ExpectedSource } from "../manifest";
import { BACKUP_SUFFIX, CHECK_SUFFIX, STAGED_SUFFIX, foreignSourceFiles, hostStateLines } from "./remote-scripts";

/** A file as apply wants it on the host. */
export interface DesiredFile {
  readonly role: FileRole;
  readonly path: string;
  readonly content: string;
  readonly sha256: string;
  readonly mode: number;
  /** `user:group`; undefined keeps the writer's. */
  readonly owner?: string;
}

/** The action for one combination of changed files, and what runs on the host for it. */
export interface PlannedAction {
  readonly action: ApplyAction;
  readonly commands: ReadonlyArray<readonly string[]>;
}

export interface ApplyScriptInput {
  readonly files: readonly DesiredFile[];
  readonly isActive: readonly string[];
  readonly chronyc: readonly string[];
  readonly sourceDir: string;
  readonly ownSourcesFile: string;
  /** Every combination of changed roles ("" for none, "conf+keys"...), when chronyd runs and when it does not. */
  readonly plans: { readonly running: Readonly<Record<string, PlannedAction>>; readonly stopped: Readonly<Record<string, PlannedAction>> };
  /** chronyd's invocation for `-p`, or undefined when the version has no -p. */
  readonly chronyd?: readonly string[];
  readonly confPath: string;
  readonly expectedSources: readonly ExpectedSource[];
  readonly waitSeconds: number;
}

export type ApplyScriptStep = "stage" | "validate" | "swap" | "reload" | "verify";

export interface ApplyScriptOutcome {
  readonly changed: FileRole[];
  readonly running: boolean;
  readonly foreignSourceFiles: string[];
  readonly action?: ApplyAction;
  readonly completed: ApplyScriptStep[];
  readonly failed?: ApplyScriptStep;
  readonly detail?: string;
  readonly swapped: Array<{ path: string; existed: boolean }>;
  readonly done: boolean;
}

const ROLES: readonly FileRole[] = ["conf", "sources", "keys"];

/** The key of a set of changed roles, in a fixed order: "conf+keys". */
export function rolesKey(roles: readonly FileRole[]): string {
  return ROLES.filter((r) => roles.includes(r)).join("+");
}

export function allRoleSets(): FileRole[][] {
  return [0, 1, 2, 3, 4, 5, 6, 7].map((bits) => ROLES.filter((_r, i) => bits & (1 << i)));
}

function heredoc(content: string): string {
  const b64 = Buffer.from(content).toString("base64").replace(/(.{76})/g, "$1\n");
  return `<<'CDKTF_CHRONY_EOF'\n${b64}\nCDKTF_CHRONY_EOF`;
}

function caseTable(running: string, plans: Readonly<Record<string, PlannedAction>>): string[] {
  return Object.entries(plans).map(([key, plan]) => {
    const run = plan.commands.map((argv) => `out=$(${shellJoin(argv)} 2>&1) || fail reload "$out"`).join("; ");
    return `  ${running}:${key}) action=${plan.action}; do_action() { ${run || ":"}; } ;;`;
  });
}

/**
 * The whole apply in one script and one round trip: compare the live files with the wanted ones
 * (digests computed on the host), pick the action from the controller's table, stage the changed
 * files beside their targets, `chronyd -p`, swap keeping backups, reload, wait for chronyd, check
 * every source is configured, and drop the backups. Each step prints a marker; the first failure
 * prints FAIL with the program's own last lines and stops, leaving the backups for the rollback.
 * Every SSH command starts the login shell on the host, so one command instead of eight matters.
 */
export function applyScript(input: ApplyScriptInput): string {
  const q = shellQuote;
  const staged = (f: DesiredFile) => q(f.path + STAGED_SUFFIX);
  const checkConf = q(input.confPath + CHECK_SUFFIX);
  const out: string[] = [
    "set -u",
    'fail() { printf "FAIL %s\\n" "$1"; printf "%s\\n" "$2" | tail -n 3 | sed "s/^/DETAIL /"; exit 1; }',
    "umask 077",
  ];
  // One sha256sum for every file; each digest is then matched with a shell pattern (no more processes).
  out.push(`sums=$(sha256sum -- ${input.files.map((f) => q(f.path)).join(" ")} 2>/dev/null)`);
  for (const f of input.files) {
    out.push(
      `case "$sums" in *${f.sha256}"  "${q(f.path)}*) changed_${f.role}=0; echo 'FILE ${f.role} same' ;; *) changed_${f.role}=1; echo 'FILE ${f.role} changed' ;; esac`,
    );
  }
  out.push(
    ...hostStateLines(input.isActive, input.sourceDir, input.ownSourcesFile),
    'key=""',
    `for r in ${ROLES.join(" ")}; do eval "c=\\\${changed_$r:-0}"; if [ "$c" = 1 ]; then key="$key\${key:++}$r"; fi; done`,
    'case "$running:$key" in',
    ...caseTable("yes", input.plans.running),
    ...caseTable("no", input.plans.stopped),
    '  *) fail stage "no plan for $running:$key" ;;',
    "esac",
    'echo "PLAN $action"',
    'if [ "$action" != none ]; then',
    "echo 'STEP stage'",
  );
  for (const f of input.files) {
    const dir = q(f.path.slice(0, f.path.lastIndexOf("/")) || "/");
    out.push(
      `if [ "$changed_${f.role}" = 1 ]; then`,
      `  [ -d ${dir} ] || mkdir -p -- ${dir} || fail stage "cannot create ${dir}"`,
      `  base64 -d > ${staged(f)} ${heredoc(f.content)}`,
      `  [ $? = 0 ] || fail stage "cannot write ${f.path + STAGED_SUFFIX}"`,
      ...(f.owner ? [`  out=$(chown ${q(f.owner)} ${staged(f)} 2>&1) || fail stage "$out"`] : []),
      `  chmod ${f.mode.toString(8)} ${staged(f)}`,
      "fi",
    );
  }
  const stagedList = input.files.map(staged).join(" ");
  const conf = input.files.find((f) => f.role === "conf");
  const sources = input.files.find((f) => f.role === "sources");
  if (input.chronyd && conf) {
    const pick = (f: DesiredFile) => `$( [ "$changed_${f.role}" = 1 ] && echo ${staged(f)} || echo ${q(f.path)} )`;
    out.push(
      'if [ "$changed_conf" = 1 ] || [ "${changed_sources:-0}" = 1 ]; then',
      "  echo 'STEP validate'",
      `  cat -- "${pick(conf)}" > ${checkConf}`,
      ...(sources ? [`  printf 'include %s\\n' "${pick(sources)}" >> ${checkConf}`] : []),
      `  out=$(${shellJoin(input.chronyd)} -p -f ${checkConf} 2>&1 >/dev/null) || { rm -f -- ${stagedList} ${checkConf}; fail validate "$out"; }`,
      "fi",
    );
  }
  out.push("echo 'STEP swap'");
  for (const f of input.files) {
    out.push(
      `if [ "$changed_${f.role}" = 1 ]; then`,
      `  if [ -e ${q(f.path)} ]; then out=$(ln -f -- ${q(f.path)} ${q(f.path + BACKUP_SUFFIX)} 2>&1) || fail swap "$out"; had=had; else had=new; fi`,
      `  out=$(mv -f -- ${staged(f)} ${q(f.path)} 2>&1) || fail swap "$out"`,
      `  printf 'SWAPPED %s %s\\n' "$had" ${q(f.path)}`,
      "fi",
    );
  }
  const listSources = shellJoin([...input.chronyc, "-N", "-c", "sources", "-a"]);
  const tries = Math.max(1, Math.round(input.waitSeconds * 5));
  // One awk checks every expected source (mode character, then the configured name) and prints the missing ones.
  const expected = input.expectedSources.map((s) => `${s.kind === "peer" ? "=" : "^"},${s.name},${s.kind}`).join(";");
  out.push(
    "echo 'STEP reload'",
    "do_action",
    "fi",
    "echo 'STEP verify'",
    // Right after a restart the command socket may not be back yet: retry for a while.
    `i=0; until live=$(${listSources} 2>&1); do i=$((i+1)); if [ $i -ge ${tries} ]; then fail verify "chronyd does not answer: $live"; fi; sleep 0.2; done`,
    "missing=0",
  );
  if (input.expectedSources.length > 0) {
    out.push(
      `absent=$(printf '%s\\n' "$live" | awk -F, -v want=${q(expected)} 'BEGIN { n = split(want, w, ";") } { seen[$1 "," $3] = 1 } END { for (i = 1; i <= n; i++) { split(w[i], p, ","); if (!((p[1] "," p[2]) in seen)) print "MISSING " p[3] " " p[2] } }') || fail verify "checking the source list failed: $absent"`,
      '[ -z "$absent" ] || { printf "%s\\n" "$absent"; missing=1; }',
    );
  }
  out.push(
    `[ $missing = 0 ] || fail verify "chronyd does not list every configured source"`,
    `rm -f -- ${[...input.files.map((f) => q(f.path + BACKUP_SUFFIX)), checkConf].join(" ")}`,
    "echo DONE",
  );
  return out.join("\n");
}

export function parseApplyOutput(stdout: string): ApplyScriptOutcome {
  const lines = stdout.split("\n");
  const values = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
  const failed = values("FAIL ")[0] as ApplyScriptStep | undefined;
  const steps = values("STEP ") as ApplyScriptStep[];
  const detail = values("DETAIL ")
    .map((l) => l.replace(/^\d{4}-\d\d-\d\dT[\d:]+Z /, ""))
    .filter(Boolean)
    .join(" / ");
  const missing = values("MISSING ");
  return {
    changed: values("FILE ").filter((l) => l.endsWith(" changed")).map((l) => l.split(" ")[0] as FileRole),
    running: lines.includes("RUNNING yes"),
    foreignSourceFiles: foreignSourceFiles(lines),
    action: values("PLAN ")[0] as ApplyAction | undefined,
    completed: steps.filter((s) => s !== failed),
    failed,
    detail: missing.length > 0 ? `chronyd does not list ${missing.join(", ")}` : detail || undefined,
    swapped: values("SWAPPED ").map((rest) => {
      const space = rest.indexOf(" ");
      return { existed: rest.slice(0, space) === "had", path: rest.slice(space + 1) };
    }),
    done: lines.includes("DONE"),
  };
}
