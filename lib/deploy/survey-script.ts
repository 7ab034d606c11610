import { chronycArgs } from "../cmdmon";
import { shellJoin, shellQuote } from "../ssh/shell-quote";
import { foreignSourceFiles, hostStateLines } from "./remote-scripts";

/** What drift needs from a host, read in one SSH command. */
export interface HostSurvey {
  /** sha256 of each managed file, in the order asked; undefined when missing. */
  readonly digests: Array<string | undefined>;
  readonly running: boolean;
  readonly foreignSourceFiles: string[];
  /** chrony.keys as it is on the host. Secret: held in memory only to fingerprint it. */
  readonly keysFile?: string;
  /** `chronyc -c -a sources` and the same with -N, when chronyd runs. */
  readonly sources?: { readonly plain: string; readonly named: string };
  /** `chronyc -c ntpdata` for every NTP source, when chronyd runs. */
  readonly ntpData?: string;
}

const MARK = "--cdktf-chrony--";

export interface SurveyInput {
  readonly paths: readonly string[];
  readonly keysPath: string;
  readonly isActive: readonly string[];
  readonly sourceDir: string;
  readonly ownSourcesFile: string;
  readonly chronyc: readonly string[];
}

/** One script: digests, daemon state, foreign sources files, the keys file, sources and ntpdata. */
export function surveyScript(input: SurveyInput): string {
  const q = shellQuote;
  return [
    // One sha256sum for all files; each line is then picked out with a shell pattern.
    `sums=$(sha256sum -- ${input.paths.map(q).join(" ")} 2>/dev/null)`,
    ...input.paths.map((p) => `sum=$(printf '%s\\n' "$sums" | while read -r h f; do [ "$f" = ${q(p)} ] && echo "$h"; done); echo "FILE \${sum:--}"`),
    ...hostStateLines(input.isActive, input.sourceDir, input.ownSourcesFile),
    `if [ -e ${q(input.keysPath)} ]; then echo '${MARK}keys'; base64 -w0 < ${q(input.keysPath)}; echo; fi`,
    'if [ "$running" = yes ]; then',
    `  echo '${MARK}sources'; ${shellJoin(chronycArgs(input.chronyc, "sources", { all: true }))}`,
    `  echo '${MARK}named'; ${shellJoin(chronycArgs(input.chronyc, "sources", { all: true, names: true }))}`,
    `  echo '${MARK}ntpdata'; ${shellJoin(chronycArgs(input.chronyc, "ntpdata"))}`,
    "fi",
    "exit 0",
  ].join("\n");
}

export function parseSurvey(stdout: string, pathCount: number): HostSurvey {
  const [head, ...sections] = stdout.split(MARK);
  const lines = head.split("\n");
  const digests = lines.filter((l) => l.startsWith("FILE ")).map((l) => l.slice(5).trim());
  if (digests.length !== pathCount) throw new Error(`unexpected answer from the host (${digests.length} of ${pathCount} files)`);
  const section = (name: string) => {
    const s = sections.find((x) => x.startsWith(`${name}\n`));
    return s === undefined ? undefined : s.slice(name.length + 1);
  };
  const keys = section("keys");
  const plain = section("sources");
  const named = section("named");
  return {
    digests: digests.map((d) => (d === "-" ? undefined : d)),
    running: lines.includes("RUNNING yes"),
    foreignSourceFiles: foreignSourceFiles(lines),
    keysFile: keys === undefined ? undefined : Buffer.from(keys.trim(), "base64").toString("utf8"),
    sources: plain !== undefined && named !== undefined ? { plain, named } : undefined,
    ntpData: section("ntpdata"),
  };
}
