import { directive } from "../directive";
import { PropRow, customRow, numberRow, readNumber, wordRow } from "../prop-rows";

export type LogName = "measurements" | "rawmeasurements" | "statistics" | "tracking" | "rtc" | "refclocks" | "tempcomp" | "selection";

const LOG_NAMES: readonly string[] = ["measurements", "rawmeasurements", "statistics", "tracking", "rtc", "refclocks", "tempcomp", "selection"];

export interface MailOnChange {
  /** Who gets the mail. */
  readonly email: string;
  /** Mail when the clock is corrected by more than this. */
  readonly thresholdSeconds: number;
}

export interface LoggingProps {
  /** `log`: statistics files to write under the log folder (several `log` lines add up). @default - none */
  readonly log?: readonly LogName[];
  /** `logdir`: the folder of those files. @default - the profile's (Debian and RHEL: /var/log/chrony) */
  readonly logDir?: string;
  /** `logchange`: log to syslog when the clock is corrected by more than this. @default 1 */
  readonly logChangeSeconds?: number;
  /** `logbanner`: repeat the column banner every this many lines of a log file; 0 never. @default 32 */
  readonly logBanner?: number;
  /** `mailonchange`: mail when the clock is corrected by more than a threshold. @default - none */
  readonly mailOnChange?: MailOnChange;
}

export const LOGGING_ROWS: readonly PropRow[] = [
  wordRow("logDir", "logdir"),
  // chronyd reads the names case-sensitively.
  customRow(
    "log",
    ["log"],
    (names: readonly LogName[]) => (names.length > 0 ? [directive("log", ...names)] : []),
    (args) => (args.length > 0 && args.every((a) => LOG_NAMES.includes(a)) ? [...args] : undefined),
  ),
  numberRow("logChangeSeconds", "logchange"),
  numberRow("logBanner", "logbanner", { integer: true }),
  customRow(
    "mailOnChange",
    ["mailonchange"],
    (m: MailOnChange) => [directive("mailonchange", m.email, m.thresholdSeconds)],
    (args) => {
      const threshold = readNumber(args[1]);
      return args.length === 2 && threshold !== undefined ? { email: args[0], thresholdSeconds: threshold } : undefined;
    },
  ),
];
