import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderNftables } from "../../../lib/firewall/nftables";
import { servedOpenings } from "../../../lib/firewall/openings";
import { parseDirectiveLine, type Directive } from "../../../lib/model/directive";

// The rules file as real nft reads it, in a network namespace of its own (`unshare --net`), so the
// machine's firewall is never touched: every rendered file loads, and nft lists it back with the
// same rules (what apply and drift compare).

const inScratch = (script: string, input: string) => spawnSync("unshare", ["--net", "--", "sh", "-c", script], { input, encoding: "utf8" });
const conf = (lines: readonly string[]): Directive[] => lines.map((l) => parseDirectiveLine(l)!);

const SUBNETS = ["10/8", "10.1/16", "10.1.2.3", "10.0.0.0/10", "192.0.2.0/24", "2001:db8::/32", "2001:db8:1::/48", "fe80::/10"];
const access = fc.array(
  fc.record({
    word: fc.constantFrom("allow", "deny", "cmdallow", "cmddeny"),
    all: fc.boolean(),
    subnet: fc.option(fc.constantFrom(...SUBNETS), { nil: undefined }),
  }),
  { maxLength: 6 },
);
const extras = fc.subarray([
  "bindcmdaddress 0.0.0.0",
  "bindcmdaddress ::",
  "bindaddress 192.0.2.1",
  "binddevice eth0",
  "cmdport 11323",
  "port 11123",
  "ntsserverkey /etc/chrony/nts/server.key",
  "ntsport 14460",
]);

describe("the rendered table in real nft", () => {
  it("loads for random configurations (nft -f in an empty namespace), and lists back every rule it holds", { timeout: 120_000 }, () => {
    expect(spawnSync("nft", ["--version"]).status, "nft is installed (apt-get install nftables; .ci/run does it)").toBe(0);
    const samples = fc.sample(fc.tuple(access, extras, fc.boolean()), { numRuns: 40, seed: 4460 });
    for (const [rules, more, peer] of samples) {
      const lines = [...more, ...rules.map((r) => [r.word, ...(r.all ? ["all"] : []), ...(r.subnet ? [r.subnet] : [])].join(" "))];
      const text = renderNftables(servedOpenings(conf(lines), peer ? conf(["peer 192.0.2.7"]) : []), { table: "cdktf_chrony", mark: 0x10000000 });
      const r = inScratch("nft -f /dev/stdin && nft list table inet cdktf_chrony", text);
      expect(r.stderr, `${lines.join("; ")}\n${text}`).toBe("");
      expect(r.status).toBe(0);
      const wanted = text.split("\n").filter((l) => l.startsWith("\t\t") && !l.includes(" hook "));
      const listed = r.stdout.split("\n").filter((l) => l.startsWith("\t\t") && !l.includes(" hook "));
      expect(listed.length, `${lines.join("; ")}\n${r.stdout}`).toBe(wanted.length);
      for (const rule of wanted) expect(r.stdout).toContain(rule.split(" comment ")[1]);
    }
  });

  it("replaces the whole table on every load, so a second load of the same file lists the same", () => {
    const text = renderNftables(servedOpenings(conf(["bindcmdaddress 0.0.0.0", "cmdallow 198.18.8.0/24"]), []), {
      table: "cdktf_chrony",
      mark: 0x10000000,
    });
    const r = inScratch(
      'f=$(mktemp) && cat > "$f" && nft -f "$f" && a=$(nft list ruleset) && nft -f "$f" && b=$(nft list ruleset) && rm "$f" && [ "$a" = "$b" ] && echo same',
      text,
    );
    expect(r.stdout.trim(), r.stderr).toBe("same");
  });
});
