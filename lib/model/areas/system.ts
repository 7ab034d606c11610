import { directive } from "../directive";
import { PropRow, customRow, flagRow, numberRow, wordRow } from "../prop-rows";

/**
 * A `confdir` or `sourcedir` line: one folder, or several on one line (then, of files with the same
 * name, only the one in the first folder listed is read).
 */
export type DirectoryLine = string | readonly string[];

/** Files, folders and the chronyd process. */
export interface SystemProps {
  /**
   * `keyfile`: the file chronyd reads symmetric keys from. The host's keys are written there, so
   * this also moves the profile's `keysPath`.
   * @default - the profile's keysPath
   */
  readonly keyFile?: string;
  /** `confdir`: folders of `*.conf` drop-ins, read first (as Debian does) so that this file's lines come after them. @default - the profile's */
  readonly confDirs?: readonly DirectoryLine[];
  /** `include`: files or globs read first, like confDirs. @default - none */
  readonly includes?: readonly string[];
  /** `sourcedir`: more folders of `*.sources` files, besides the profile's and the managed one. @default - the profile's */
  readonly sourceDirs?: readonly DirectoryLine[];
  /** `dumpdir`: where measurements are saved on exit (reloaded by `chronyd -r`). @default - none */
  readonly dumpDir?: string;
  /** `pidfile`: chronyd's pid file. @default "/run/chrony/chronyd.pid" */
  readonly pidFile?: string;
  /** `user`: the user chronyd drops root privileges to. @default - the build's (Debian: _chrony, RHEL: chrony) */
  readonly user?: string;
  /** `lock_all`: lock chronyd's memory so it is never paged out. @default false */
  readonly lockAll?: boolean;
  /** `sched_priority`: run chronyd with SCHED_FIFO at this priority (1..99). @default - the default scheduler */
  readonly schedPriority?: number;
}

function directoryRow(prop: string, name: string): PropRow {
  return customRow(
    prop,
    [name],
    (line: DirectoryLine) => [directive(name, ...(typeof line === "string" ? [line] : line))],
    (args) => (args.length === 1 ? args[0] : args.length > 1 ? [...args] : undefined),
    { list: true },
  );
}

export const SYSTEM_ROWS: readonly PropRow[] = [
  directoryRow("confDirs", "confdir"),
  wordRow("includes", "include", { list: true }),
  directoryRow("sourceDirs", "sourcedir"),
  wordRow("keyFile", "keyfile"),
  wordRow("dumpDir", "dumpdir"),
  wordRow("pidFile", "pidfile"),
  wordRow("user", "user"),
  flagRow("lockAll", "lock_all"),
  numberRow("schedPriority", "sched_priority", { integer: true }),
];
