import { describe, expect, it } from "vitest";
import type { HostDeclaration, RolloutDeclaration, SourceDeclaration } from "../../../lib/fleet";
import { checkRollouts, orderPushes } from "../../../lib/fleet/order";
import { buildChronyConfig } from "../../../lib/model/chrony-config";
import { debianProfile } from "../../../lib/model/profiles/presets";

// The push order on plain declarations: which depends_on edges a fleet gets, and which it does not.

function host(name: string, sources: SourceDeclaration[] = [], stack = "fleet"): HostDeclaration {
  return {
    ref: `app/${name}`,
    id: name,
    stack,
    target: {
      address: `${name}.example`,
      port: 22,
      user: "root",
      hostKey: { kind: "knownHosts", path: "~/.ssh/known_hosts", trustOnFirstUse: false },
      sudo: false,
    },
    profile: debianProfile(),
    ntpAddress: `${name}.example`,
    config: buildChronyConfig({}),
    sources,
    keys: [],
    reloadPolicy: "least-disruptive",
    verify: {},
  };
}
const server = (to: string): SourceDeclaration => ({ kind: "server", to: { host: `app/${to}` }, options: {} });
const peer = (to: string): SourceDeclaration => ({ kind: "peer", to: { host: `app/${to}` }, options: {} });
const fleet = (...hosts: HostDeclaration[]) => new Map(hosts.map((h) => [h.ref, h]));
const rollout = (...waves: string[][]): RolloutDeclaration => ({
  ref: "app/Rollout",
  stack: "fleet",
  waves: waves.map((w) => w.map((n) => `app/${n}`)),
});
const after = (hosts: Map<string, HostDeclaration>, rollouts: RolloutDeclaration[] = []) =>
  Object.fromEntries([...orderPushes(hosts, rollouts).after].map(([ref, refs]) => [ref.slice(4), refs.map((r) => r.slice(4))]));

describe("orderPushes", () => {
  it("runs a client after the hosts it uses as servers, and nothing after a pool or an outside address", () => {
    const hosts = fleet(
      host("s1"),
      host("s2"),
      host("c1", [server("s1"), server("s2"), { kind: "pool", to: { address: "pool.ntp.org" }, options: {} }]),
      host("c2", [server("s2"), { kind: "server", to: { address: "192.0.2.1" }, options: {} }]),
    );
    expect(after(hosts)).toEqual({ c1: ["s1", "s2"], c2: ["s2"] });
  });

  it("leaves peers unordered, in both directions", () => {
    expect(after(fleet(host("a", [peer("b")]), host("b", [peer("a")])))).toEqual({});
  });

  it("leaves hosts that serve each other unordered among themselves, but orders their clients after them", () => {
    // a → b → c → a is a ring of servers; d uses a.
    const hosts = fleet(host("a", [server("b")]), host("b", [server("c")]), host("c", [server("a")]), host("d", [server("a")]));
    expect(after(hosts)).toEqual({ d: ["a"] });
  });

  it("does not order across stacks: one Terraform graph cannot wait for another stack", () => {
    expect(after(fleet(host("s", [], "site-a"), host("c", [server("s")], "site-b")))).toEqual({});
  });

  it("keeps server edges that agree with the waves, and drops the ones a wave order contradicts", () => {
    // s serves c1 and c2. Waves: c1 (canary), then s and c2: the canary is asked to go before its
    // server, so that edge goes; within the second wave, s still goes before c2.
    const hosts = fleet(host("s"), host("c1", [server("s")]), host("c2", [server("s")]));
    expect(after(hosts, [rollout(["c1"], ["s", "c2"])])).toEqual({ c2: ["s"] });
    // Waves that agree (the server in the first wave): the gates already order the clients after
    // it, so no edge of their own is needed.
    expect(after(hosts, [rollout(["s"], ["c1"], ["c2"])])).toEqual({});
  });

  it("keeps a server outside the rollout before the first wave that uses it; later waves reach it through the gates", () => {
    const hosts = fleet(host("s"), host("t"), host("c1", [server("s")]), host("c2", [server("s"), server("t")]));
    expect(after(hosts, [rollout(["c1"], ["c2"])])).toEqual({ c1: ["s"], c2: ["t"] });
  });

  it("walks a long chain without recursion: 20,000 hosts, each the server of the next", () => {
    const hosts = Array.from({ length: 20_000 }, (_, i) => host(`h${i}`, i === 0 ? [] : [server(`h${i - 1}`)]));
    const order = orderPushes(fleet(...hosts), []);
    expect(order.after.size).toBe(19_999);
    expect(order.after.get("app/h19999")).toEqual(["app/h19998"]);
  });
});

describe("checkRollouts", () => {
  it("fails for a host in two waves, a host of another stack, and an unknown host", () => {
    const hosts = fleet(host("a"), host("b"), host("x", [], "other"));
    expect(() => checkRollouts(hosts, [rollout(["a"], ["a", "b"])])).toThrow(
      /host a is in two waves \(app\/Rollout wave 1 and app\/Rollout wave 2\)/,
    );
    expect(() => checkRollouts(hosts, [rollout(["a"], ["x"])])).toThrow(/rollout app\/Rollout is in stack fleet but host x is in stack other/);
    expect(() => checkRollouts(hosts, [rollout(["a"], ["nope"])])).toThrow(/wave 2 names app\/nope, which is not a host of this app/);
  });
});
