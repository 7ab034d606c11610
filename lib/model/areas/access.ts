import { Directive, directive } from "../directive";
import { PropRow, customRow } from "../prop-rows";

export type AccessDirective = "allow" | "deny" | "cmdallow" | "cmddeny";

/**
 * One access rule, in the order given. `subnet` takes chrony's forms: "10.0.0.0/8", "10/8",
 * "192.168.1.5", "2001:db8::/32", a hostname; omit it to mean every address.
 */
export interface AccessRule {
  readonly directive: AccessDirective;
  /** @default - every IPv4 and IPv6 address */
  readonly subnet?: string;
  /** `all`: the rule also overrides earlier rules for subnets nested inside it. @default false */
  readonly all?: boolean;
}

/**
 * Lists of subnets, written allow first, then deny (chronyd applies the most specific rule, so
 * the order of the lists does not matter unless a rule uses `all`). The entry "all" means every
 * address and writes a bare `allow`; chrony's `all` keyword is in `accessRules`.
 */
export interface AccessProps {
  /** `allow`: clients that may use this host as an NTP server ("all" for every address). @default - serve nobody */
  readonly allow?: readonly string[];
  /** `deny`: clients refused NTP service ("all" for every address). @default - none */
  readonly deny?: readonly string[];
  /** `cmdallow`: addresses allowed to monitor chronyd over UDP; takes effect only with a non-loopback bindcmdaddress. @default - loopback only */
  readonly cmdAllow?: readonly string[];
  /** `cmddeny`: addresses refused the monitoring commands. @default - none */
  readonly cmdDeny?: readonly string[];
  /** `allow`, `deny`, `cmdallow`, `cmddeny` rules written after the lists above, in this order, for precise control (the `all` keyword). @default - none */
  readonly accessRules?: readonly AccessRule[];
}

/** The subnet a list entry stands for: "all" is every address (a bare directive). */
function listLine(name: AccessDirective, entry: string): Directive {
  return entry === "all" ? directive(name) : directive(name, entry);
}

function listRow(prop: keyof AccessProps, name: AccessDirective): PropRow {
  return customRow(
    prop,
    [name],
    (entry: string) => [listLine(name, entry)],
    (args) => (args.length === 0 ? "all" : args.length === 1 && args[0] !== "all" ? args[0] : undefined),
    { list: true },
  );
}

function ruleLine(rule: AccessRule): Directive {
  const args: string[] = [];
  if (rule.all) args.push("all");
  if (rule.subnet !== undefined) args.push(rule.subnet);
  return directive(rule.directive, ...args);
}

export const ACCESS_ROWS: readonly PropRow[] = [
  listRow("allow", "allow"),
  listRow("deny", "deny"),
  listRow("cmdAllow", "cmdallow"),
  listRow("cmdDeny", "cmddeny"),
  customRow(
    "accessRules",
    ["allow", "deny", "cmdallow", "cmddeny"],
    (rule: AccessRule) => [ruleLine(rule)],
    (args, name) => {
      // chronyd matches the keyword case-sensitively (strcmp).
      const all = args[0] === "all";
      const rest = all ? args.slice(1) : args;
      if (rest.length > 1) return undefined;
      return { directive: name as AccessDirective, ...(rest.length === 1 ? { subnet: rest[0] } : {}), ...(all ? { all: true } : {}) };
    },
    { list: true },
  ),
];
