import { describe, expect, it } from "vitest";
import { accessEntries, isAllowed, parseSubnet, type AccessRule } from "../../../lib/firewall/access-table";

// chronyd's allow/deny tables as the firewall reads them. The integration test
// (test/integration/firewall/access-table.test.ts) checks the same function against chronyd's own
// answers (`chronyc accheck`) for random tables.

const allow = (subnet?: string, all = false): AccessRule => ({ allow: true, all, ...(subnet !== undefined ? { subnet } : {}) });
const deny = (subnet?: string, all = false): AccessRule => ({ allow: false, all, ...(subnet !== undefined ? { subnet } : {}) });
const entries = (...rules: AccessRule[]) => accessEntries(rules, (r) => `${r.allow ? "allow" : "deny"} ${r.subnet ?? ""}`);
const table = (...rules: AccessRule[]) => entries(...rules).map((e) => `${e.allow ? "+" : "-"}${e.network}`);

describe("chronyd's access table", () => {
  it("reads chronyd's subnet forms: short IPv4 forms, single addresses, IPv6", () => {
    expect(parseSubnet("10/8")).toEqual({ family: 4, value: 0x0a000000n, bits: 8 });
    expect(parseSubnet("10.1")).toEqual({ family: 4, value: 0x0a010000n, bits: 16 });
    expect(parseSubnet("192.0.2.77/24")).toEqual({ family: 4, value: 0xc0000200n, bits: 24 });
    expect(parseSubnet("192.0.2.5")).toEqual({ family: 4, value: 0xc0000205n, bits: 32 });
    expect(parseSubnet("2001:db8::/32")).toEqual({ family: 6, value: 0x20010db8n << 96n, bits: 32 });
    expect(parseSubnet("::ffff:192.0.2.1")).toEqual({ family: 6, value: 0xffffc0000201n, bits: 128 });
    expect(parseSubnet("ntp.example.net")).toEqual({
      problem: "is a hostname (chronyd resolves it only when it starts): use an address or a subnet",
    });
    expect(parseSubnet("10.0.0.0/33")).toEqual({ problem: "has no valid prefix length (0 to 32)" });
  });

  it("denies everything by default and lets the most specific rule decide, whatever the order", () => {
    expect(table()).toEqual([]);
    expect(table(allow("10/8"), deny("10.1/16"), allow("10.1.2/24"))).toEqual(["+10.1.2.0/24", "-10.1.0.0/16", "+10.0.0.0/8"]);
    expect(table(allow("10.1.2/24"), deny("10.1/16"), allow("10/8"))).toEqual(["+10.1.2.0/24", "-10.1.0.0/16", "+10.0.0.0/8"]);
  });

  it("drops rules that change nothing: a deny with only the default around it, an allow inside an allow", () => {
    expect(table(deny("192.0.2.0/24"))).toEqual([]);
    expect(table(allow("10/8"), allow("10.1/16"))).toEqual(["+10.0.0.0/8"]);
    expect(table(allow("10/8"), deny("10/8"))).toEqual([]);
  });

  it("lets 'all' clear the more specific rules given before it, not after", () => {
    expect(table(deny("10.1/16"), allow("10/8", true))).toEqual(["+10.0.0.0/8"]);
    expect(table(allow("10/8", true), deny("10.1/16"))).toEqual(["-10.1.0.0/16", "+10.0.0.0/8"]);
  });

  it("works in 4-bit levels as chronyd's tree does: a later /10 overrides an earlier /12 inside it, and halves merge back", () => {
    // chronyd sets the four /12 nodes of a /10: the earlier deny 10.16/12 is one of them and is overwritten.
    expect(table(deny("10.16.0.0/12"), allow("10.0.0.0/10"))).toEqual(["+10.0.0.0/10"]);
    // A /12 after the /10 is more specific in the same level: it wins.
    expect(table(allow("10.0.0.0/10"), deny("10.16.0.0/12"))).toEqual(["+10.0.0.0/12", "+10.32.0.0/11"]);
    expect(isAllowed(entries(allow("10.0.0.0/10"), deny("10.16.0.0/12")), "10.17.0.1")).toBe(false);
    expect(isAllowed(entries(allow("10.0.0.0/10"), deny("10.16.0.0/12")), "10.33.0.1")).toBe(true);
  });

  it("gives a bare allow every address of both families, and keeps IPv6 apart", () => {
    expect(table(allow())).toEqual(["+0.0.0.0/0", "+::/0"]);
    expect(table(allow(), deny("fe80::/10"))).toEqual(["+0.0.0.0/0", "-fe80::/10", "+::/0"]);
    expect(table(allow("2001:db8::1"))).toEqual(["+2001:db8::1"]);
  });

  it("names the rule that holds a hostname", () => {
    expect(() => entries(allow("mon.example.net"))).toThrow(
      "'allow mon.example.net': mon.example.net is a hostname (chronyd resolves it only when it starts): use an address or a subnet",
    );
  });
});
