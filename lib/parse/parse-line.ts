import { Directive } from "../model/directive";

const COMMENT_STARTS = "!;#%";

/**
 * Reads one chrony.conf line the way chronyd does: whitespace-separated tokens, and a line whose
 * first non-blank character is one of `! ; # %` is a comment. A `#` later in a line is NOT a
 * comment to chronyd (it becomes an argument), so it is kept as a token and validation reports it.
 */
export function parseDirectiveLine(line: string): Directive | undefined {
  const trimmed = line.trim();
  if (trimmed === "" || COMMENT_STARTS.includes(trimmed[0])) return undefined;
  const [name, ...args] = trimmed.split(/\s+/);
  return { name, args };
}

export function isCommentLine(line: string): boolean {
  const trimmed = line.trim();
  return trimmed !== "" && COMMENT_STARTS.includes(trimmed[0]);
}
