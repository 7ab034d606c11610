import { RATE_LIMIT_FIELDS } from "./areas/binding";
import { LOCAL_FIELDS } from "./areas/clock";
import { HWTIMESTAMP_FIELDS, REFCLOCK_FIELDS } from "./areas/refclocks";
import { SOURCE_KINDS, SOURCE_OPTIONS } from "./areas/sources";
import { Directive } from "./directive";
import { DIRECTIVES } from "./directive-grammar";
import { slotOf } from "./directive-slots";
import { OptionField } from "./prop-rows";

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Where a directive's `WORD [VALUE]` options start, and which words take a value. */
const OPTIONS: Readonly<Record<string, { readonly from: number; readonly takesValue: (word: string) => boolean }>> = (() => {
  const fields = (f: readonly OptionField[]) => (word: string) => f.some((x) => x.word === word && x.kind !== "flag");
  const source = { from: 1, takesValue: (w: string) => SOURCE_OPTIONS.get(w)?.value !== undefined };
  return {
    server: source,
    pool: source,
    peer: source,
    refclock: { from: 2, takesValue: fields(REFCLOCK_FIELDS) },
    hwtimestamp: { from: 1, takesValue: fields(HWTIMESTAMP_FIELDS) },
    local: { from: 0, takesValue: fields(LOCAL_FIELDS) },
    ratelimit: { from: 0, takesValue: fields(RATE_LIMIT_FIELDS) },
    cmdratelimit: { from: 0, takesValue: fields(RATE_LIMIT_FIELDS) },
    ntsratelimit: { from: 0, takesValue: fields(RATE_LIMIT_FIELDS) },
  };
})();

/** Words chronyd compares case-insensitively, written in lower case. */
const KEYWORD_ARGS = new Set(["leapsecmode", "authselectmode"]);

function number(token: string): string {
  return DECIMAL.test(token) ? String(Number(token)) : token;
}

/** One line with its option groups sorted and its numbers written one way ("1.0" is "1"). */
function canonicalLine(d: Directive): { name: string; text: string } {
  const spec = DIRECTIVES.get(d.name.toLowerCase());
  // An old name chronyd reads as another directive (ntscachedir) is that directive.
  const name = spec?.obsolete && spec.slot && DIRECTIVES.has(spec.slot) ? spec.slot : d.name.toLowerCase();
  const options = OPTIONS[name];
  let args = d.args.map((a) => (KEYWORD_ARGS.has(name) ? a.toLowerCase() : a));
  if (options) {
    const groups: string[] = [];
    for (let i = options.from; i < args.length; i++) {
      const word = args[i].toLowerCase();
      groups.push(options.takesValue(word) && i + 1 < args.length ? `${word} ${number(args[++i])}` : word);
    }
    args = [...args.slice(0, options.from).map(number), ...groups.sort()];
  } else {
    args = args.map(number);
  }
  return { name, text: [name, ...args].join(" ") };
}

const RATE_LIMITS = new Set(["ratelimit", "cmdratelimit", "ntsratelimit"]);

/** Repeated directives whose lines add up regardless of their order (no position is kept). */
const UNORDERED = new Set(["sourcedir", "broadcast", "ntstrustedcerts"]);

/** Lines whose relative order chronyd keeps: an access table's rules, a directive's own lines. */
function orderGroup(name: string): string {
  if (name === "allow" || name === "deny") return "ntp-access";
  if (name === "cmdallow" || name === "cmddeny") return "cmd-access";
  return name;
}

/**
 * A configuration as chronyd applies it, in a canonical form for comparison: one line per
 * directive that takes effect, sorted. Lines of a directive chronyd reads once count only if last
 * (per address family for the bind*address ones); `log` lines add up to one set; source options
 * and other `WORD VALUE` options are sorted and numbers are written one way. Lines whose order
 * matters to chronyd (allow and deny rules of one table, repeated lines of one directive such as
 * hwtimestamp or confdir) carry their position; sources, from chrony.conf or from a sourcedir, and
 * lines that only add up (sourcedir, broadcast, ntstrustedcerts) are a set.
 *
 * Two configurations with equal results make chronyd do the same thing, which is what `import`
 * promises and what lets a deploy skip a restart for an equivalent chrony.conf.
 */
export function effectiveConfig(directives: readonly Directive[], sourceFileLines: readonly Directive[] = []): string[] {
  const lastOfSlot = new Map<string, number>();
  directives.forEach((d, i) => {
    const slot = slotOf(d);
    if (slot !== undefined) lastOfSlot.set(slot, i);
  });
  // chronyd sets only the options a ratelimit line gives: several lines add up, later ones winning per option.
  const rateLimits = new Map<string, Map<string, string>>();
  directives.forEach((d) => {
    const name = d.name.toLowerCase();
    if (!RATE_LIMITS.has(name)) return;
    const options = rateLimits.get(name) ?? new Map<string, string>();
    for (let i = 0; i + 1 < d.args.length; i += 2) options.set(d.args[i].toLowerCase(), d.args[i + 1]);
    rateLimits.set(name, options);
  });
  const logs = new Set<string>();
  const positions = new Map<string, number>();
  const out: string[] = [];
  directives.forEach((d, i) => {
    const slot = slotOf(d);
    if (slot !== undefined && lastOfSlot.get(slot) !== i) return;
    const { name, text } = canonicalLine(d);
    if (RATE_LIMITS.has(name)) {
      out.push(canonicalLine({ name, args: [...rateLimits.get(name)!].flat() }).text);
      return;
    }
    if (name === "log") {
      for (const a of d.args) logs.add(a);
      return;
    }
    if ((SOURCE_KINDS as readonly string[]).includes(name) || slot !== undefined || UNORDERED.has(name)) {
      out.push(text);
      return;
    }
    const group = orderGroup(name);
    const n = positions.get(group) ?? 0;
    positions.set(group, n + 1);
    out.push(`${text}  #${group}:${n}`);
  });
  if (logs.size > 0) out.push(`log ${[...logs].sort().join(" ")}`);
  for (const d of sourceFileLines) out.push(canonicalLine(d).text);
  return out.sort();
}

/** What differs between two effective configurations, for messages. */
export function effectiveDifference(a: readonly string[], b: readonly string[]): { readonly onlyFirst: string[]; readonly onlySecond: string[] } {
  const count = (list: readonly string[]) => list.reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
  const ca = count(a);
  const cb = count(b);
  const onlyFirst = [...ca].flatMap(([l, n]) => Array<string>(Math.max(0, n - (cb.get(l) ?? 0))).fill(l));
  const onlySecond = [...cb].flatMap(([l, n]) => Array<string>(Math.max(0, n - (ca.get(l) ?? 0))).fill(l));
  return { onlyFirst, onlySecond };
}
