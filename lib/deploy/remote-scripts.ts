import { shellQuote } from "../ssh/shell-quote";

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
