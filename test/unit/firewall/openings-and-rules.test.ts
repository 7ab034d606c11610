import { describe, expect, it } from "vitest";
import { blockingChains, handOffRule, renderNftables } from "../../../lib/firewall/nftables";
import { describeOpening, servedOpenings } from "../../../lib/firewall/openings";
import { parseDirectiveLine, type Directive } from "../../../lib/model/directive";

const conf = (...lines: string[]): Directive[] => lines.map((l) => parseDirectiveLine(l)!);
const openings = (...lines: string[]) => servedOpenings(conf(...lines), []).map(describeOpening);
const spec = { table: "cdktf_chrony", mark: 0x10000000 };

describe("what chrony.conf serves", () => {
  it("serves nothing by default: no allow, and the command port on loopback", () => {
    expect(openings()).toEqual([]);
    expect(openings("cmdallow 198.18.8.0/24")).toEqual([]);
    expect(openings("bindcmdaddress 127.0.0.1", "bindcmdaddress ::1", "cmdallow 198.18.8.0/24")).toEqual([]);
  });

  it("opens the command port to cmdallow only with a non-loopback bindcmdaddress, per family", () => {
    expect(openings("bindcmdaddress 0.0.0.0", "cmdallow 198.18.8.0/24", "cmdallow 2001:db8::/32")).toEqual([
      "323/udp from 198.18.8.0/24 (cmdallow, bindcmdaddress)",
    ]);
    const [cmd] = servedOpenings(
      conf(
        "bindcmdaddress 198.19.8.11",
        "bindcmdaddress ::",
        "cmdport 11323",
        "cmdallow 198.18.8.0/24",
        "cmdallow 2001:db8::/32",
        "bindcmddevice eth0",
      ),
      [],
    );
    expect(cmd).toMatchObject({ service: "cmd", port: 11323, listen: { 4: "198.19.8.11", 6: "any" }, device: "eth0" });
    expect(openings("bindcmdaddress 0.0.0.0", "cmdport 0", "cmdallow 198.18.8.0/24")).toEqual([]);
  });

  it("opens NTP to allow (minus deny), on the bind address, and not with port 0", () => {
    expect(openings("allow 10/8", "deny 10.1/16")).toEqual(["123/udp from 10.0.0.0/8 except 10.1.0.0/16 (allow)"]);
    expect(openings("allow")).toEqual(["123/udp from any IPv4, any IPv6 (allow)"]);
    expect(openings("allow 10/8", "port 0")).toEqual([]);
    expect(servedOpenings(conf("allow 10/8", "bindaddress 10.0.0.1"), [])[0].listen).toEqual({ 4: "10.0.0.1", 6: "any" });
  });

  it("opens the NTS-KE port (tcp) to the same clients when the host is an NTS server, and NTP to its peers", () => {
    const lines = conf("allow 10/8", "ntsserverkey /etc/chrony/nts/server.key", "ntsservercert /etc/chrony/nts/server.crt", "ntsport 14460");
    expect(servedOpenings(lines, conf("peer 192.0.2.7 key 1", "peer ntp.example.net", "server 192.0.2.1")).map(describeOpening)).toEqual([
      "123/udp from 192.0.2.7 (peer 192.0.2.7)",
      "123/udp from 10.0.0.0/8 (allow)",
      "14460/tcp from 10.0.0.0/8 (allow, ntsserverkey)",
    ]);
  });

  it("refuses an access rule by hostname, naming it", () => {
    expect(() => openings("allow clients.example.net")).toThrow(
      "'allow clients.example.net': clients.example.net is a hostname (chronyd resolves it only when it starts): use an address or a subnet",
    );
  });
});

describe("the nftables table", () => {
  it("accepts and marks exactly what is served, most specific first; refused subnets go on unmarked; nothing is dropped", () => {
    const text = renderNftables(
      servedOpenings(conf("allow 10/8", "deny 10.1/16", "allow 10.1.2/24", "bindcmdaddress 0.0.0.0", "cmdallow 198.18.8.0/24"), []),
      spec,
    );
    expect(text.split("\n").slice(4)).toEqual([
      "table inet cdktf_chrony",
      "delete table inet cdktf_chrony",
      "table inet cdktf_chrony {",
      "\tchain input {",
      "\t\ttype filter hook input priority mangle; policy accept;",
      '\t\tip saddr 10.1.2.0/24 udp dport 123 meta mark set meta mark | 0x10000000 accept comment "ntp: allow"',
      '\t\tip saddr 10.1.0.0/16 udp dport 123 return comment "ntp: allow"',
      '\t\tip saddr 10.0.0.0/8 udp dport 123 meta mark set meta mark | 0x10000000 accept comment "ntp: allow"',
      '\t\tip saddr 198.18.8.0/24 udp dport 323 meta mark set meta mark | 0x10000000 accept comment "cmd: cmdallow, bindcmdaddress"',
      "\t}",
      "}",
      "",
    ]);
    expect(text.split("\n").filter((l) => l.startsWith("\t\t") && /\b(drop|reject)\b/.test(l))).toEqual([]);
  });

  it("restricts to the bind address and device, and writes every address of a family as nfproto", () => {
    const text = renderNftables(servedOpenings(conf("allow", "bindaddress 192.0.2.1", "binddevice eth1"), []), spec);
    expect(text).toContain(
      '\t\tiifname "eth1" ip daddr 192.0.2.1 meta nfproto ipv4 udp dport 123 meta mark set meta mark | 0x10000000 accept comment "ntp: allow"\n',
    );
    expect(text).toContain('\t\tiifname "eth1" meta nfproto ipv6 udp dport 123 meta mark set meta mark | 0x10000000 accept comment "ntp: allow"\n');
  });
});

describe("chains of the host that would drop what the table opens", () => {
  const ruleset = (...items: object[]) => JSON.stringify({ nftables: [{ metainfo: { version: "1.0.6" } }, ...items] });
  const chain = (family: string, table: string, policy: string, prio = 0) => ({
    chain: { family, table, name: "input", handle: 1, type: "filter", hook: "input", prio, policy },
  });
  const rule = (family: string, table: string, ...expr: object[]) => ({ rule: { family, table, chain: "input", handle: 2, expr } });
  const markAccept = (mask: number, right: number, op = "==") => [
    { match: { op, left: { "&": [{ meta: { key: "mark" } }, mask] }, right } },
    { accept: null },
  ];
  const v4 = new Set([4] as const);

  it("finds a default-drop input chain without the hand-off rule, and names the rule to add", () => {
    const found = blockingChains(ruleset(chain("inet", "filter", "drop")), spec, v4);
    expect(found).toEqual([{ chain: "inet filter input", reason: expect.stringContaining(`add '${handOffRule(spec.mark)}' to it once`) }]);
    expect(handOffRule(spec.mark)).toBe("meta mark & 0x10000000 == 0x10000000 accept");
  });

  it("accepts the hand-off in any form that matches the mark, and ignores other families, other hooks and its own table", () => {
    expect(blockingChains(ruleset(chain("inet", "filter", "drop"), rule("inet", "filter", ...markAccept(0x10000000, 0x10000000))), spec, v4)).toEqual(
      [],
    );
    expect(blockingChains(ruleset(chain("inet", "filter", "drop"), rule("inet", "filter", ...markAccept(0x10000000, 0, "!="))), spec, v4)).toEqual(
      [],
    );
    expect(blockingChains(ruleset(chain("ip6", "filter", "drop")), spec, v4)).toEqual([]);
    expect(
      blockingChains(ruleset({ chain: { family: "inet", table: "filter", name: "fwd", hook: "forward", prio: 0, policy: "drop" } }), spec, v4),
    ).toEqual([]);
    expect(blockingChains(ruleset(chain("inet", "cdktf_chrony", "accept", -150)), spec, v4)).toEqual([]);
    expect(blockingChains(ruleset(chain("inet", "filter", "drop"), rule("inet", "filter", ...markAccept(0x20, 0x20))), spec, v4)).toHaveLength(1);
  });

  it("counts a last rule that drops everything as a default drop, and a chain that runs before the mark as blocking", () => {
    expect(
      blockingChains(
        ruleset(chain("ip", "filter", "accept"), rule("ip", "filter", { counter: { packets: 0, bytes: 0 } }, { reject: { type: "icmpx" } })),
        spec,
        v4,
      ),
    ).toEqual([{ chain: "ip filter input", reason: expect.stringContaining("its last rule drops every packet") }]);
    expect(blockingChains(ruleset(chain("inet", "raw", "drop", -300), rule("inet", "raw", ...markAccept(0x10000000, 0x10000000))), spec, v4)).toEqual(
      [{ chain: "inet raw input", reason: expect.stringMatching(/runs at priority -300, before cdktf-chrony's chain \(priority -150\)/) }],
    );
  });
});
