import { isIP } from "node:net";

/**
 * chronyd's access tables (allow/deny for NTP and NTS-KE, cmdallow/cmddeny for the command port),
 * evaluated as chronyd 4.3 evaluates them (addrfilt.c), so the firewall opens exactly the addresses
 * chronyd answers:
 *
 * - the table is a tree of 4-bit levels: a rule for a prefix that is not a multiple of 4 bits sets
 *   every node of the next level it covers (a /10 is four /12s);
 * - a rule sets its nodes' state; the most specific node that has a state decides, the root's
 *   default being deny; for one node the later rule wins;
 * - `allow all` / `deny all` also clear every more specific rule given before it;
 * - no address (a bare `allow`) is every address of both families.
 */

export type AddressFamily = 4 | 6;

/** One rule as chrony.conf gives it, in order. */
export interface AccessRule {
  readonly allow: boolean;
  /** chrony's forms: "10.0.0.0/8", "10/8", "10.1", "192.0.2.5", "2001:db8::/32"; undefined: every address. */
  readonly subnet?: string;
  /** chrony's `all` keyword. */
  readonly all: boolean;
}

/** A network whose addresses chronyd answers or refuses, as nftables writes it ("10.0.0.0/8", "192.0.2.5"). */
export interface AccessEntry {
  readonly family: AddressFamily;
  /** Prefix length; 0 is every address of the family. */
  readonly bits: number;
  readonly network: string;
  readonly allow: boolean;
}

/** A subnet as chronyd reads it (CPS_ParseAllowDeny), or why it cannot be one. */
export type ParsedSubnet = { readonly family: AddressFamily; readonly value: bigint; readonly bits: number } | { readonly problem: string };

const WIDTH: Readonly<Record<AddressFamily, number>> = { 4: 32, 6: 128 };

function ipv4Value(text: string): bigint {
  return text.split(".").reduce((v, part) => (v << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Value(text: string): bigint {
  // An IPv4 tail ("::ffff:192.0.2.1") becomes two groups, then "::" expands to the missing zeros.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  const value4 = v4 ? ipv4Value(v4[1]) : 0n;
  const t = v4 ? `${text.slice(0, -v4[1].length)}${(value4 >> 16n).toString(16)}:${(value4 & 0xffffn).toString(16)}` : text;
  const [left, right] = t.split("::");
  const head = left ? left.split(":") : [];
  const tail = right ? right.split(":") : [];
  const groups = right === undefined ? head : [...head, ...Array<string>(8 - head.length - tail.length).fill("0"), ...tail];
  return groups.reduce((v, g) => (v << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Reads a subnet the way chronyd does; a hostname is refused (chronyd resolves it only when it starts). */
export function parseSubnet(text: string): ParsedSubnet {
  const slash = text.indexOf("/");
  const net = slash < 0 ? text : text.slice(0, slash);
  const bitsText = slash < 0 ? undefined : text.slice(slash + 1);
  let family: AddressFamily;
  let value: bigint;
  let defaultBits: number;
  if (isIP(net) === 4) {
    family = 4;
    value = ipv4Value(net);
    defaultBits = 32;
  } else if (isIP(net) === 6) {
    family = 6;
    value = ipv6Value(net.replace(/%.*$/, ""));
    defaultBits = 128;
  } else if (/^\d{1,3}(\.\d{1,3}){0,2}$/.test(net) && net.split(".").every((p) => Number(p) <= 255)) {
    // chronyd's short forms: "10" is 10.0.0.0/8, "10.1" is 10.1.0.0/16.
    const parts = net.split(".");
    family = 4;
    value = ipv4Value([...parts, ...Array<string>(4 - parts.length).fill("0")].join("."));
    defaultBits = parts.length * 8;
  } else {
    return { problem: "is a hostname (chronyd resolves it only when it starts): use an address or a subnet" };
  }
  let bits = defaultBits;
  if (bitsText !== undefined) {
    if (!/^\d+$/.test(bitsText) || Number(bitsText) > WIDTH[family]) return { problem: `has no valid prefix length (0 to ${WIDTH[family]})` };
    bits = Number(bitsText);
  }
  const width = BigInt(WIDTH[family]);
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << (width - BigInt(bits));
  return { family, value: value & mask, bits };
}

function formatNetwork(family: AddressFamily, value: bigint, bits: number): string {
  let text: string;
  if (family === 4) {
    text = [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join(".");
  } else {
    const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
    // The longest run of two or more zero groups becomes "::", as nftables prints addresses.
    let best = { at: -1, length: 0 };
    for (let i = 0; i < 8;) {
      if (groups[i] !== 0) {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && groups[j] === 0) j++;
      if (j - i > best.length && j - i >= 2) best = { at: i, length: j - i };
      i = j;
    }
    const hex = groups.map((g) => g.toString(16));
    text = best.at < 0 ? hex.join(":") : `${hex.slice(0, best.at).join(":")}::${hex.slice(best.at + best.length).join(":")}`;
  }
  return bits === WIDTH[family] ? text : `${text}/${bits}`;
}

/** A node of the table: family, 4-bit-aligned prefix length, network value. */
interface Node {
  readonly family: AddressFamily;
  readonly bits: number;
  readonly value: bigint;
}

const keyOf = (n: Node) => `${n.family}/${n.bits}/${n.value.toString(16)}`;

function contains(outer: Node, inner: Node): boolean {
  if (outer.family !== inner.family || outer.bits > inner.bits) return false;
  const shift = BigInt(WIDTH[outer.family] - outer.bits);
  return outer.bits === 0 || inner.value >> shift === outer.value >> shift;
}

/** The nodes a rule sets: its prefix rounded up to whole 4-bit levels. */
function nodesOf(family: AddressFamily, value: bigint, bits: number): Node[] {
  const aligned = Math.ceil(bits / 4) * 4;
  const count = 1 << (aligned - bits);
  const step = BigInt(WIDTH[family] - aligned);
  return Array.from({ length: count }, (_, i) => ({ family, bits: aligned, value: value | (BigInt(i) << step) }));
}

/**
 * The table's final entries, reduced: entries that do not change the outcome (the same verdict as
 * the entry around them, or a deny with only the default deny around it) are left out, and two
 * halves with one verdict become their parent. Every address gets the verdict of the most specific
 * entry that contains it, or deny. Throws on a hostname (see parseSubnet); `describe` names the rule.
 */
export function accessEntries(rules: readonly AccessRule[], describe: (rule: AccessRule) => string): AccessEntry[] {
  const table = new Map<string, Node & { allow: boolean }>();
  for (const rule of rules) {
    const targets: Array<{ family: AddressFamily; value: bigint; bits: number }> = [];
    if (rule.subnet === undefined) {
      targets.push({ family: 4, value: 0n, bits: 0 }, { family: 6, value: 0n, bits: 0 });
    } else {
      const parsed = parseSubnet(rule.subnet);
      if ("problem" in parsed) throw new Error(`'${describe(rule)}': ${rule.subnet} ${parsed.problem}`);
      targets.push(parsed);
    }
    for (const t of targets) {
      for (const node of nodesOf(t.family, t.value, t.bits)) {
        if (rule.all) {
          for (const [k, other] of table) if (other.bits > node.bits && contains(node, other)) table.delete(k);
        }
        table.set(keyOf(node), { ...node, allow: rule.allow });
      }
    }
  }
  return reduce([...table.values()]);
}

function reduce(nodes: Array<Node & { allow: boolean }>): AccessEntry[] {
  const byKey = new Map(nodes.map((n) => [keyOf(n), n]));
  // Two halves with one verdict cover their parent entirely: they become the parent (replacing
  // any entry the parent had, which they shadow), until no pair is left.
  for (let merged = true; merged;) {
    merged = false;
    for (const n of [...byKey.values()].sort((a, b) => b.bits - a.bits)) {
      if (n.bits === 0 || !byKey.has(keyOf(n))) continue;
      const width = BigInt(WIDTH[n.family]);
      const bit = 1n << (width - BigInt(n.bits));
      const sibling = byKey.get(keyOf({ ...n, value: n.value ^ bit }));
      if (!sibling || sibling.allow !== n.allow) continue;
      byKey.delete(keyOf(n));
      byKey.delete(keyOf(sibling));
      const parent = { family: n.family, bits: n.bits - 1, value: n.value & ~bit, allow: n.allow };
      byKey.set(keyOf(parent), parent);
      merged = true;
    }
  }
  const all = [...byKey.values()];
  const enclosing = (n: Node) => all.filter((o) => o !== n && o.bits < n.bits && contains(o, n)).sort((a, b) => b.bits - a.bits)[0];
  const kept = all.filter((n) => {
    const around = enclosing(n);
    return n.allow !== (around ? around.allow : false);
  });
  return kept
    .sort((a, b) => a.family - b.family || b.bits - a.bits || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .map((n) => ({ family: n.family, bits: n.bits, network: formatNetwork(n.family, n.value, n.bits), allow: n.allow }));
}

/** Whether `address` (an IP address) is answered, by the table's entries. */
export function isAllowed(entries: readonly AccessEntry[], address: string): boolean {
  const parsed = parseSubnet(address);
  if ("problem" in parsed) return false;
  const inner = { family: parsed.family, bits: parsed.bits, value: parsed.value };
  const match = entries
    .map((e) => {
      const p = parseSubnet(e.network);
      return "problem" in p ? undefined : { entry: e, node: { family: p.family, bits: p.bits, value: p.value } };
    })
    .filter((m) => m !== undefined && contains(m.node, inner))
    .sort((a, b) => b!.node.bits - a!.node.bits)[0];
  return match?.entry.allow ?? false;
}
