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

/** The line as chronyd -p prints it: tokens joined by one space. */
export function directiveLine(d: Directive): string {
  return d.args.length === 0 ? d.name : `${d.name} ${d.args.join(" ")}`;
}
