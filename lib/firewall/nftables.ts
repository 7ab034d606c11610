import * as path from "node:path";
import type { HostProfile } from "../model/profiles/host-profile";
import type { AccessEntry, AddressFamily } from "./access-table";
import type { Opening } from "./openings";

/**
 * The nftables side of the firewall: the table cdktf-chrony owns on a host, and what the host's own
 * ruleset must do for it to work.
 *
 * The table (inet, one base chain at the input hook, priority mangle) accepts exactly the packets
 * chrony.conf serves and marks them. It never drops anything, and the host's other tables are
 * never edited. Its file replaces the whole table in one nft transaction, so loading it is atomic
 * and loading the previous file is the rollback.
 *
 * Why the mark: in nftables an accept ends the packet's walk through one base chain only; every
 * other base chain at the same hook still sees it, and a drop there is final. A host whose own
 * table drops by default (policy drop, or a last rule that drops) therefore closes chrony's ports
 * whatever this table accepts, unless its policy accepts the packets this table marks: one rule,
 * `meta mark & MARK == MARK accept`, added once by whoever owns that policy. `blockingChains`
 * finds chains that would drop what this table opens, so apply can refuse with that fix instead of
 * deploying rules that cannot work.
 */

/** The table cdktf-chrony owns on every host whose firewall it manages. */
export const FIREWALL_TABLE = "cdktf_chrony";

/** The mark set on accepted packets unless the app picks another (one bit, outside the ranges kube-proxy, Cilium and Tailscale use). */
export const DEFAULT_ACCEPT_MARK = 0x10000000;

/**
 * Where a host keeps the table's file: beside the sourcedir, in chrony's folder (/etc/chrony on
 * Debian and RHEL), so a manifest cannot name another path. The host's nftables.conf can include it
 * to load it at boot.
 */
export function firewallFilePath(profile: Pick<HostProfile, "sourceDir">): string {
  return path.posix.join(path.posix.dirname(profile.sourceDir), "cdktf-chrony.nft");
}

/** The priority of cdktf-chrony's chain: mangle (-150), where marks are set, before filter (0) chains. */
export const CHAIN_PRIORITY = -150;
/** Its name in chains' listings (the symbolic name of -150 at the input hook). */
const CHAIN_PRIORITY_NAME = "mangle";

export interface NftablesTable {
  /** The table's name (family inet). */
  readonly table: string;
  /** The bit(s) set on every packet the table accepts. */
  readonly mark: number;
}

export function markText(mark: number): string {
  return `0x${mark.toString(16).padStart(8, "0")}`;
}

/** The rule a default-drop chain needs so that what cdktf-chrony opens gets through it. */
export function handOffRule(mark: number): string {
  return `meta mark & ${markText(mark)} == ${markText(mark)} accept`;
}

const FAMILY_WORD: Readonly<Record<AddressFamily, string>> = { 4: "ip", 6: "ip6" };

function sourceMatch(family: AddressFamily, entries: readonly AccessEntry[]): string {
  if (entries.some((e) => e.bits === 0)) return `meta nfproto ${family === 4 ? "ipv4" : "ipv6"}`;
  const networks = entries.map((e) => e.network);
  return `${FAMILY_WORD[family]} saddr ${networks.length === 1 ? networks[0] : `{ ${networks.join(", ")} }`}`;
}

/**
 * The rules of one opening in one family: its entries, most specific first, in runs of one verdict
 * (a run never holds two overlapping networks: the table was reduced so that nested entries of one
 * verdict always have the other verdict between them). Refused networks `return`: the packet goes
 * on, unmarked, to the host's own chains.
 */
function openingRules(o: Opening, family: AddressFamily): string[] {
  const listen = o.listen[family];
  if (listen === undefined) return [];
  const entries = o.sources.filter((e) => e.family === family);
  const runs: AccessEntry[][] = [];
  for (const e of entries) {
    const run = runs.at(-1);
    if (run && run[0].allow === e.allow) run.push(e);
    else runs.push([e]);
  }
  // A refused run after the last allowed one changes nothing: the default is not to accept.
  while (runs.length > 0 && !runs.at(-1)![0].allow) runs.pop();
  const prefix = [
    ...(o.device !== undefined ? [`iifname "${o.device}"`] : []),
    ...(listen !== "any" ? [`${FAMILY_WORD[family]} daddr ${listen}`] : []),
  ];
  return runs.map((run) => {
    const verdict = run[0].allow ? `meta mark set meta mark | __MARK__ accept` : "return";
    return [...prefix, sourceMatch(family, run), `${o.protocol} dport ${o.port}`, verdict, `comment "${o.service}: ${o.because}"`].join(" ");
  });
}

/** The table's file: a header, then the table replaced as a whole. Same openings, same bytes. */
export function renderNftables(openings: readonly Opening[], spec: NftablesTable): string {
  const mark = markText(spec.mark);
  const rules = openings.flatMap((o) => [...openingRules(o, 4), ...openingRules(o, 6)]).map((r) => r.replace("__MARK__", mark));
  const name = `inet ${spec.table}`;
  return [
    "# Managed by cdktf-chrony: the ports chronyd serves on this host, as chrony.conf says (allow, peer,",
    "# ntsserverkey, cmdallow with bindcmdaddress). Local edits are overwritten by the next deploy and",
    "# reported by `cdktf-chrony drift`. Accepted packets are marked: a default-drop chain of another",
    `# table must accept them with: ${handOffRule(spec.mark)}`,
    `table ${name}`,
    `delete table ${name}`,
    `table ${name} {`,
    "\tchain input {",
    `\t\ttype filter hook input priority ${CHAIN_PRIORITY_NAME}; policy accept;`,
    ...rules.map((r) => `\t\t${r}`),
    "\t}",
    "}",
    "",
  ].join("\n");
}

/** A chain of the host's ruleset that would drop what cdktf-chrony's table opens. */
export interface BlockingChain {
  /** "inet filter input" */
  readonly chain: string;
  /** Why, and what to do, in one sentence. */
  readonly reason: string;
}

interface JsonChain {
  readonly family: string;
  readonly table: string;
  readonly name: string;
  readonly hook?: string;
  readonly prio?: number;
  readonly policy?: string;
}

interface JsonRule {
  readonly family: string;
  readonly table: string;
  readonly chain: string;
  readonly expr?: ReadonlyArray<Record<string, unknown>>;
}

function numbersIn(x: unknown): number[] {
  if (typeof x === "number") return [x];
  if (Array.isArray(x)) return x.flatMap(numbersIn);
  if (x && typeof x === "object") return Object.values(x).flatMap(numbersIn);
  return [];
}

function mentionsMetaMark(x: unknown): boolean {
  if (Array.isArray(x)) return x.some(mentionsMetaMark);
  if (x && typeof x === "object") {
    const meta = (x as { meta?: { key?: unknown } }).meta;
    if (meta && meta.key === "mark") return true;
    return Object.values(x).some(mentionsMetaMark);
  }
  return false;
}

/** A rule that accepts packets carrying `mark` (`meta mark & M == M accept`, `meta mark M accept`, ...). */
function acceptsMark(rule: JsonRule, mark: number): boolean {
  const expr = rule.expr ?? [];
  if (!expr.some((e) => "accept" in e)) return false;
  return expr.some((e) => {
    const match = e.match as { left?: unknown; right?: unknown } | undefined;
    return match !== undefined && mentionsMetaMark(match.left) && numbersIn([match.left, match.right]).some((n) => (n & mark) === mark && n !== 0);
  });
}

/** A rule that drops or rejects everything that reaches it (only counters and logging before the verdict). */
function dropsAll(rule: JsonRule): boolean {
  const expr = rule.expr ?? [];
  const verdict = expr.at(-1);
  if (!verdict || !("drop" in verdict || "reject" in verdict)) return false;
  return expr.slice(0, -1).every((e) => "counter" in e || "log" in e);
}

const CHAIN_FAMILIES: Readonly<Record<string, readonly AddressFamily[]>> = { ip: [4], ip6: [6], inet: [4, 6] };

/**
 * Chains of the host's ruleset (`nft -j list ruleset`) that would drop the packets `spec`'s table
 * accepts in the given families: input chains of other tables that drop by default and accept no
 * packet with the mark (or that run before the mark is set). Empty when the openings get through.
 */
export function blockingChains(rulesetJson: string, spec: NftablesTable, families: ReadonlySet<AddressFamily>): BlockingChain[] {
  let items: ReadonlyArray<Record<string, unknown>>;
  try {
    items = (JSON.parse(rulesetJson) as { nftables?: ReadonlyArray<Record<string, unknown>> }).nftables ?? [];
  } catch {
    throw new Error(
      `'nft -j list ruleset' printed something that is not JSON (${rulesetJson.trim().split("\n")[0]?.slice(0, 120) || "nothing"}): the host needs an nft with JSON output (nftables 0.9 or later)`,
    );
  }
  const chains = items.flatMap((i) => (i.chain ? [i.chain as JsonChain] : []));
  const rules = items.flatMap((i) => (i.rule ? [i.rule as JsonRule] : []));
  const out: BlockingChain[] = [];
  for (const c of chains) {
    if (c.hook !== "input" || !(c.family in CHAIN_FAMILIES)) continue;
    if (c.family === "inet" && c.table === spec.table) continue;
    if (!CHAIN_FAMILIES[c.family].some((f) => families.has(f))) continue;
    const own = rules.filter((r) => r.family === c.family && r.table === c.table && r.chain === c.name);
    const lastRule = own.at(-1);
    const drops = c.policy === "drop" ? "policy drop" : lastRule && dropsAll(lastRule) ? "its last rule drops every packet" : undefined;
    if (drops === undefined) continue;
    const name = `${c.family} ${c.table} ${c.name}`;
    const fix = `add '${handOffRule(spec.mark)}' to it once, before anything that drops (cdktf-chrony marks only what chrony.conf serves), or leave the host's firewall unmanaged`;
    const honoured = rules.some((r) => r.family === c.family && r.table === c.table && acceptsMark(r, spec.mark));
    if (honoured && (c.prio ?? 0) > CHAIN_PRIORITY) continue;
    const reason = honoured
      ? `chain ${name} (${drops}) runs at priority ${c.prio}, before cdktf-chrony's chain (priority ${CHAIN_PRIORITY}) marks what it accepts: give it a priority above ${CHAIN_PRIORITY}`
      : `chain ${name} drops what cdktf-chrony's table inet ${spec.table} accepts (${drops}; in nftables an accept in one table does not override a drop in another): ${fix}`;
    out.push({ chain: name, reason });
  }
  return out;
}

/**
 * What differs between two listings (or files) of the table, by the services its rules open: "cmd
 * rule removed, ntp rule changed". Every rule of the table names its service in its comment.
 */
export function describeRules(changes: { readonly removed: readonly string[]; readonly added: readonly string[] }): string {
  const serviceOf = (line: string) => /comment "([a-z-]+):/.exec(line)?.[1] ?? (/^(table|chain|type) /.test(line) ? "table" : "other");
  const removed = new Set(changes.removed.map(serviceOf));
  const added = new Set(changes.added.map(serviceOf));
  const services = [...new Set([...removed, ...added])];
  if (services.length === 0) return "only comments or order differ";
  return services.map((s) => `${s} rule ${removed.has(s) && added.has(s) ? "changed" : added.has(s) ? "added" : "removed"}`).join(", ");
}
