/**
 * One line of chrony.conf: a directive name and its arguments, kept as the exact tokens
 * (chronyd -p prints tokens as written, so "1.0" stays "1.0" and "10/8" stays "10/8").
 */
export interface Directive {
  readonly name: string;
  readonly args: readonly string[];
}

export function directive(name: string, ...args: Array<string | number>): Directive {
  return { name, args: args.map(formatToken) };
}

/** Numbers are written the shortest way that reads back to the same value. */
export function formatToken(value: string | number): string {
  if (typeof value === "string") return value;
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} into chrony.conf`);
  return String(value);
}

/** A control character (C0 or DEL): never valid in a value that reaches a config line or a command. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x1f\x7f]/;

export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/** chronyd reads a line whose first non-blank character is one of these as a comment. */
const COMMENT_STARTS = "!;#%";

/**
 * Why `token` cannot be one token of a chrony.conf line, or undefined when it can. chronyd splits
 * lines on whitespace, so a value with a space, a tab or a newline would become several tokens or
 * a new line (a new directive); other control characters are refused as well.
 */
export function tokenProblem(token: string): string | undefined {
  if (token === "") return "is empty";
  const bad = /\s/.exec(token) ?? CONTROL.exec(token);
  if (!bad) return undefined;
  const names: Record<string, string> = { "\n": "a newline", "\r": "a carriage return", "\t": "a tab", " ": "a space" };
  return `contains ${names[bad[0]] ?? `the control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()}`}`;
}

/**
 * The line as chronyd -p prints it: tokens joined by one space. Every value reaches this function
 * only after validation, so a token that breaks the rule here is a bug, never a user mistake.
 */
export function directiveLine(d: Directive): string {
  for (const token of [d.name, ...d.args]) {
    const problem = tokenProblem(token);
    if (problem) throw new Error(`internal error: refusing to render directive ${JSON.stringify(d.name)}: a token ${problem}`);
  }
  if (COMMENT_STARTS.includes(d.name[0]))
    throw new Error(`internal error: refusing to render directive ${JSON.stringify(d.name)}: it would be a comment`);
  return d.args.length === 0 ? d.name : `${d.name} ${d.args.join(" ")}`;
}

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
