import { shellJoin, shellQuote } from "../ssh/shell-quote";
import { STAGED_SUFFIX, StagedFile, stageScript, swapScript } from "./remote-scripts";

export type ChangeStep = "stage" | "validate" | "swap" | "reload";

export interface ChangeScriptInput {
  readonly files: readonly StagedFile[];
  /** `chronyd -p` on this configuration (the staged conf plus the staged sources), or no check. */
  readonly validate?: { readonly chronyd: readonly string[]; readonly prepare: string; readonly checkConf: string };
  /** Commands that make chronyd take the change, in order (restart, or chronyc rekey / reload sources). */
  readonly actions: ReadonlyArray<readonly string[]>;
}

export interface ChangeOutcome {
  readonly completed: ChangeStep[];
  readonly failed?: ChangeStep;
  /** The failing program's own last words (chronyd -p, chronyc, the service). */
  readonly detail?: string;
  readonly swapped: Array<{ path: string; existed: boolean }>;
}

/**
 * One script for stage → validate → swap → reload, so a deploy costs one round trip here instead
 * of one per step (each SSH command starts the login shell, which is slow on some hosts). Each step
 * prints a marker; the first failure prints FAIL and the program's output, and stops. Staged files
 * are removed when validation fails, so nothing changes on the host before the swap.
 */
export function changeScript(input: ChangeScriptInput): string {
  const staged = input.files.map((f) => shellQuote(f.path + STAGED_SUFFIX)).join(" ");
  const out = [
    "set -u",
    'fail() { printf "FAIL %s\\n" "$1"; printf "%s\\n" "$2" | tail -n 3 | sed "s/^/DETAIL /"; exit 1; }',
    "echo 'STEP stage'",
    `out=$( { ${stageScript(input.files).split("\n").join("\n")}\n} 2>&1 ) || fail stage "$out"`,
  ];
  if (input.validate) {
    out.push(
      "echo 'STEP validate'",
      `out=$( { ${input.validate.prepare}\n} 2>&1 ) || { rm -f -- ${staged}; fail validate "$out"; }`,
      `out=$(${shellJoin(input.validate.chronyd)} -p -f ${shellQuote(input.validate.checkConf)} 2>&1 >/dev/null) || { rm -f -- ${staged} ${shellQuote(input.validate.checkConf)}; fail validate "$out"; }`,
    );
  }
  out.push("echo 'STEP swap'", `out=$( { ${swapScript(input.files.map((f) => f.path))}\n} 2>&1 ); st=$?; printf '%s\\n' "$out" | grep '^SWAPPED '; [ $st -eq 0 ] || fail swap "$out"`);
  out.push("echo 'STEP reload'");
  for (const argv of input.actions) out.push(`out=$(${shellJoin(argv)} 2>&1) || fail reload "$out"`);
  out.push("echo 'STEP done'");
  return out.join("\n");
}

export function parseChangeOutput(stdout: string): ChangeOutcome {
  const lines = stdout.split("\n");
  const steps = lines.filter((l) => l.startsWith("STEP ")).map((l) => l.slice(5) as ChangeStep | "done");
  const failLine = lines.find((l) => l.startsWith("FAIL "));
  const failed = failLine ? (failLine.slice(5) as ChangeStep) : undefined;
  const detail = lines
    .filter((l) => l.startsWith("DETAIL "))
    .map((l) => l.slice(7).replace(/^\d{4}-\d\d-\d\dT[\d:]+Z /, ""))
    .filter(Boolean)
    .join(" / ");
  const completed = steps.filter((s): s is ChangeStep => s !== "done" && s !== failed);
  const swapped = lines
    .filter((l) => l.startsWith("SWAPPED "))
    .map((l) => {
      const rest = l.slice(8);
      const space = rest.indexOf(" ");
      return { existed: rest.slice(0, space) === "had", path: rest.slice(space + 1) };
    });
  return { completed, failed, detail: detail || undefined, swapped };
}

