import { Directive, directive } from "../directive";

export type LogName =
  | "measurements"
  | "rawmeasurements"
  | "statistics"
  | "tracking"
  | "rtc"
  | "refclocks"
  | "tempcomp"
  | "selection";

export interface LoggingProps {
  /** Statistics files to write under the log folder. @default - none */
  readonly log?: readonly LogName[];
  /** @default - the profile's log folder */
  readonly logDir?: string;
  /** Log to syslog when the clock is corrected by more than this. @default 1 */
  readonly logChangeSeconds?: number;
}

export function loggingDirectives(props: LoggingProps): Directive[] {
  const out: Directive[] = [];
  if (props.logDir !== undefined) out.push(directive("logdir", props.logDir));
  if (props.log && props.log.length > 0) out.push(directive("log", ...props.log));
  if (props.logChangeSeconds !== undefined) out.push(directive("logchange", props.logChangeSeconds));
  return out;
}
