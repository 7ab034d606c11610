import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accessEntries, isAllowed, type AccessRule } from "../../../lib/firewall/access-table";
import { startChronyd } from "../../support/chronyd";

// The firewall opens what chronyd answers: the access table cdktf-chrony computes from allow/deny
// lines must give every address the verdict chronyd itself gives (`chronyc accheck`, on the Unix
// socket of a real chronyd 4.3 started with those lines). Random tables over overlapping subnets,
// with `all`, prefixes that are not multiples of 4 bits, and bare allow/deny.

const SUBNETS = [
  "10/8",
  "10.1/16",
  "10.1.2/24",
  "10.1.2.3",
  "10.0.0.0/10",
  "10.16.0.0/12",
  "10.1.0.0/15",
  "10.1.2.128/25",
  "192.0.2.0/24",
  "2001:db8::/32",
  "2001:db8:1::/48",
  undefined,
];
const PROBES = [
  "10.1.2.3",
  "10.1.2.4",
  "10.1.2.200",
  "10.1.3.1",
  "10.1.200.1",
  "10.0.0.1",
  "10.17.0.1",
  "10.40.0.1",
  "10.64.0.1",
  "11.0.0.1",
  "192.0.2.9",
  "198.51.100.1",
  "2001:db8::1",
  "2001:db8:1::1",
  "2001:db9::1",
];

const rule = fc.record({ allow: fc.boolean(), all: fc.boolean(), subnet: fc.constantFrom(...SUBNETS) });

function line(r: { allow: boolean; all: boolean; subnet?: string }): string {
  return [r.allow ? "allow" : "deny", ...(r.all ? ["all"] : []), ...(r.subnet !== undefined ? [r.subnet] : [])].join(" ");
}

describe("the firewall's access table against chronyd's", () => {
  it("gives every probed address chronyd's own verdict (accheck) for random allow/deny tables", { timeout: 120_000 }, async () => {
    const tables = fc.sample(fc.array(rule, { minLength: 1, maxLength: 6 }), { numRuns: 40, seed: 0x323 });
    for (const rules of tables) {
      const daemon = await startChronyd({ name: "accheck", directives: rules.map(line) });
      try {
        const entries = accessEntries(
          rules.map((r): AccessRule => ({ allow: r.allow, all: r.all, ...(r.subnet !== undefined ? { subnet: r.subnet } : {}) })),
          line,
        );
        for (const address of PROBES) {
          const r = await daemon.chronyc(["accheck", address]);
          const chronyd = /^208 /m.test(r.stdout) ? true : /^209 /m.test(r.stdout) ? false : r.stdout;
          expect(isAllowed(entries, address), `${rules.map(line).join("; ")} → ${address}`).toBe(chronyd);
        }
      } finally {
        await daemon.stop();
      }
    }
  });
});
