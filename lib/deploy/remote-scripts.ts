import { shellJoin, shellQuote } from "../ssh/shell-quote";

/**
 * Names of the temporary files apply keeps beside their targets. None ends in .conf or .sources,
 * so chronyd's confdir and sourcedir never pick them up.
 */
export const STAGED_SUFFIX = ".cdktf-chrony.new";
export const BACKUP_SUFFIX = ".cdktf-chrony.bak";
export const CHECK_SUFFIX = ".cdktf-chrony.check";

/** Puts back what the apply script replaced: the backup where there was one, nothing where there was none. */
export function restoreScript(swapped: ReadonlyArray<{ readonly path: string; readonly existed: boolean }>): string {
  return swapped
    .map((s) => (s.existed ? `mv -f -- ${shellQuote(s.path + BACKUP_SUFFIX)} ${shellQuote(s.path)}` : `rm -f -- ${shellQuote(s.path)}`))
    .join("\n");
}

/** Removes staged, check and backup files (backups of chrony.keys hold old key material). */
export function cleanupScript(paths: readonly string[], checkConf?: string): string {
  const files = paths.flatMap((p) => [p + STAGED_SUFFIX, p + BACKUP_SUFFIX]);
  if (checkConf) files.push(checkConf);
  return `rm -f -- ${files.map(shellQuote).join(" ")}`;
}

/**
 * Lines both the apply script and drift's survey start with: `RUNNING yes|no` (and $running), and
 * `FOREIGN PATH` for each `*.sources` file in the managed sourcedir that is not ours.
 */
export function hostStateLines(isActive: readonly string[], sourceDir: string, ownSourcesFile: string): string[] {
  return [
    `if ${shellJoin(isActive)} >/dev/null 2>&1; then running=yes; else running=no; fi`,
    'echo "RUNNING $running"',
    `for f in ${shellQuote(sourceDir)}/*.sources; do [ -e "$f" ] && [ "$f" != ${shellQuote(ownSourcesFile)} ] && printf 'FOREIGN %s\\n' "$f"; done`,
  ];
}

/** The FOREIGN lines of a script's output. */
export function foreignSourceFiles(lines: readonly string[]): string[] {
  return lines.filter((l) => l.startsWith("FOREIGN ")).map((l) => l.slice("FOREIGN ".length));
}
