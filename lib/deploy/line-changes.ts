/**
 * What differs between two versions of chrony.conf or a sources file, line by line, as plan and
 * drift report it: the lines one has and the other lacks, and a summary by directive
 * ("makestep changed", "server 10.0.0.5 added"). Never used for chrony.keys, whose content is
 * never shown: keys compare by keyed fingerprint.
 */
export interface LineChanges {
  /** Lines of `before` that `after` lacks, whitespace collapsed. */
  readonly removed: readonly string[];
  /** Lines of `after` that `before` lacks. */
  readonly added: readonly string[];
}

/** chrony reads lines starting with these as comments. */
const COMMENT = /^[#%!;]/;

/**
 * Directives that may appear several times, each naming its own thing (a source, a subnet, a
 * folder): one line of them is told apart by its first argument too.
 */
const NAMED = new Set([
  "server",
  "pool",
  "peer",
  "refclock",
  "include",
  "confdir",
  "sourcedir",
  "allow",
  "deny",
  "cmdallow",
  "cmddeny",
  "bindaddress",
  "bindacqaddress",
  "bindcmdaddress",
  "hwtimestamp",
  "ntsserverkey",
  "ntsservercert",
  "ntstrustedcerts",
]);

function meaningfulLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim().replace(/\s+/g, " "))
    .filter((l) => l !== "" && !COMMENT.test(l));
}

/** Each side's lines the other lacks, counted as multisets: a line that only moved is no change. */
export function lineChanges(before: string, after: string): LineChanges {
  const left = meaningfulLines(before);
  const right = meaningfulLines(after);
  const pending = new Map<string, number>();
  for (const l of right) pending.set(l, (pending.get(l) ?? 0) + 1);
  const removed: string[] = [];
  for (const l of left) {
    const n = pending.get(l) ?? 0;
    if (n > 0) pending.set(l, n - 1);
    else removed.push(l);
  }
  const remaining = new Map<string, number>();
  for (const l of left) remaining.set(l, (remaining.get(l) ?? 0) + 1);
  const added: string[] = [];
  for (const l of right) {
    const n = remaining.get(l) ?? 0;
    if (n > 0) remaining.set(l, n - 1);
    else added.push(l);
  }
  return { removed, added };
}

function directiveOf(line: string): string {
  const [word, first] = line.split(" ");
  const name = word.toLowerCase();
  return NAMED.has(name) && first !== undefined ? `${name} ${first}` : name;
}

/**
 * A short summary by directive: "makestep changed, maxslewrate added", at most `limit` of them
 * and a count of the rest; "only comments, blank lines or order differ" when no line does.
 */
export function describeLines(changes: LineChanges, limit = 3): string {
  const removed = new Set(changes.removed.map(directiveOf));
  const added = new Set(changes.added.map(directiveOf));
  const names = [...new Set([...changes.removed, ...changes.added].map(directiveOf))];
  if (names.length === 0) return "only comments, blank lines or order differ";
  const words = names.map((n) => `${n} ${removed.has(n) && added.has(n) ? "changed" : added.has(n) ? "added" : "removed"}`);
  return words.length > limit ? `${words.slice(0, limit).join(", ")} and ${words.length - limit} more` : words.join(", ");
}
