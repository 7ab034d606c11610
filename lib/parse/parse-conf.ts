import { Directive, parseDirectiveLine } from "../model/directive";

/** One directive of a chrony.conf file, with where it was written. */
export interface ConfLine {
  readonly directive: Directive;
  readonly file: string;
  /** 1-based. */
  readonly lineNumber: number;
}

/**
 * Reads chrony.conf text the way chronyd does (CNF_ReadFile + CPS_NormalizeLine): one directive
 * per line, whitespace-separated tokens, a line whose first non-blank character is `! ; # %` is a
 * comment, and a `#` later in a line is an argument, not a comment.
 */
export function parseConfText(text: string, file: string): ConfLine[] {
  const out: ConfLine[] = [];
  text.split("\n").forEach((raw, i) => {
    const d = parseDirectiveLine(raw.replace(/\r$/, ""));
    if (d) out.push({ directive: d, file, lineNumber: i + 1 });
  });
  return out;
}

/** `file:line`, for messages. */
export function where(line: Pick<ConfLine, "file" | "lineNumber">): string {
  return `${line.file}:${line.lineNumber}`;
}
