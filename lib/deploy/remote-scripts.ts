import { shellJoin, shellQuote } from "../ssh/shell-quote";

/**
 * Shell scripts that apply runs on the host with `sh -s` (the script travels on stdin, so file
 * contents, keys included, never appear in the host's process list or in our logs).
 * Paths are quoted; contents are base64 in quoted here-documents, so nothing is interpreted.
 */

/** Suffixes of our temporary files. Neither ends in .conf or .sources, so confdir/sourcedir skip them. */
export const STAGED_SUFFIX = ".cdktf-chrony.new";
export const BACKUP_SUFFIX = ".cdktf-chrony.bak";
export const CHECK_SUFFIX = ".cdktf-chrony.check";

export interface FileProbe {
  readonly path: string;
  /** sha256 of the live content, or undefined when the file does not exist. */
  readonly sha256?: string;
}

export interface HostProbe {
  readonly files: FileProbe[];
  readonly running: boolean;
  /** `*.sources` files in the managed sourcedir that are not ours. */
  readonly foreignSourceFiles: string[];
}

/** Digests of the managed files, whether chronyd runs, and other files in the sourcedir. */
export function probeScript(paths: readonly string[], isActive: readonly string[], sourceDir: string, ownSourcesFile: string): string {
  return [
    ...paths.map((p) => `if [ -e ${shellQuote(p)} ]; then printf 'FILE %s\\n' "$(sha256sum < ${shellQuote(p)} | cut -d' ' -f1)"; else echo 'FILE -'; fi`),
    `if ${shellJoin(isActive)} >/dev/null 2>&1; then echo 'RUNNING yes'; else echo 'RUNNING no'; fi`,
    `for f in ${shellQuote(sourceDir)}/*.sources; do [ -e "$f" ] && [ "$f" != ${shellQuote(ownSourcesFile)} ] && printf 'FOREIGN %s\\n' "$f"; done`,
    "exit 0",
  ].join("\n");
}

export function parseProbe(stdout: string, paths: readonly string[]): HostProbe {
  const lines = stdout.split("\n");
  const digests = lines.filter((l) => l.startsWith("FILE ")).map((l) => l.slice(5).trim());
  if (digests.length !== paths.length) throw new Error(`unexpected probe output (${digests.length} of ${paths.length} files)`);
  return {
    files: paths.map((p, i) => ({ path: p, sha256: digests[i] === "-" ? undefined : digests[i] })),
    running: lines.includes("RUNNING yes"),
    foreignSourceFiles: lines.filter((l) => l.startsWith("FOREIGN ")).map((l) => l.slice(8)),
  };
}

export interface StagedFile {
  readonly path: string;
  readonly content: string | Buffer;
  readonly mode: number;
  /** `user:group`; undefined keeps the writer's. */
  readonly owner?: string;
}

function heredoc(content: string | Buffer): string {
  const b64 = Buffer.from(content).toString("base64").replace(/(.{76})/g, "$1\n");
  return `<<'CDKTF_CHRONY_EOF'\n${b64}\nCDKTF_CHRONY_EOF`;
}

/** Writes each file as PATH.cdktf-chrony.new with its final mode and owner (created 0600 first). */
export function stageScript(files: readonly StagedFile[]): string {
  const out = ["set -e", "umask 077"];
  for (const f of files) {
    const staged = shellQuote(f.path + STAGED_SUFFIX);
    out.push(`mkdir -p -- "$(dirname -- ${staged})"`);
    out.push(`base64 -d > ${staged} ${heredoc(f.content)}`);
    if (f.owner) out.push(`chown ${shellQuote(f.owner)} ${staged}`);
    out.push(`chmod ${f.mode.toString(8)} ${staged}`);
  }
  return out.join("\n");
}

/**
 * A configuration for `chronyd -p` that is the staged chrony.conf plus the staged sources file
 * (chronyd -p does not read sourcedirs, and the sources must be checked too).
 */
export function checkConfScript(stagedConf: string, checkConf: string, stagedSources: string | undefined): string {
  const out = ["set -e", "umask 077", `cat -- ${shellQuote(stagedConf)} > ${shellQuote(checkConf)}`];
  if (stagedSources) out.push(`printf 'include %s\\n' ${shellQuote(stagedSources)} >> ${shellQuote(checkConf)}`);
  return out.join("\n");
}

/**
 * Moves staged files into place. Each live file is first hard-linked to PATH.cdktf-chrony.bak
 * (the old content stays intact and the rename is atomic); a file that did not exist is noted so
 * that a rollback removes it. Prints `SWAPPED PATH had|new` per file.
 */
export function swapScript(paths: readonly string[]): string {
  const out = ["set -e"];
  for (const p of paths) {
    const live = shellQuote(p);
    out.push(
      `if [ -e ${live} ]; then ln -f -- ${live} ${shellQuote(p + BACKUP_SUFFIX)}; had=had; else had=new; fi`,
      `mv -f -- ${shellQuote(p + STAGED_SUFFIX)} ${live}`,
      `printf 'SWAPPED %s %s\\n' "$had" ${live}`,
    );
  }
  return out.join("\n");
}

/** Puts back what swapScript replaced: the backup where there was one, nothing where there was none. */
export function restoreScript(swapped: ReadonlyArray<{ readonly path: string; readonly existed: boolean }>): string {
  const out: string[] = [];
  for (const s of swapped) {
    const live = shellQuote(s.path);
    out.push(s.existed ? `mv -f -- ${shellQuote(s.path + BACKUP_SUFFIX)} ${live}` : `rm -f -- ${live}`);
  }
  return out.join("\n");
}

/** Removes staged, check and backup files (backups of chrony.keys hold old key material). */
export function cleanupScript(paths: readonly string[], checkConf?: string): string {
  const files = paths.flatMap((p) => [p + STAGED_SUFFIX, p + BACKUP_SUFFIX]);
  if (checkConf) files.push(checkConf);
  return `rm -f -- ${files.map(shellQuote).join(" ")}`;
}
