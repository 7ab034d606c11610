import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { compileFleet, FleetDeclaration, KeyDeclaration, KeyFingerprints, RotationDeclaration, SourceDeclaration } from "../../../lib/fleet";
import { buildChronyConfig } from "../../../lib/model/chrony-config";
import { hostDeclaration as host } from "./host-declaration";
import { sandboxProfile } from "../../../lib/model/profiles/presets";

// The compiler on plain data: no construct, no cdktf, no key material (fingerprints are faked).

const fakeKeys = (material: Record<string, string> = {}): KeyFingerprints => ({
  saltSpec: { kind: "env", variable: "TEST_SALT" },
  fingerprint: (key) => ({
    fingerprint: `hmac-sha256:${createHash("sha256")
      .update(material[key.ref] ?? key.ref)
      .digest("hex")
      .slice(0, 32)}`,
    warnings: [],
  }),
});

const key = (ref: string, keyId: number): KeyDeclaration => ({ ref, keyId, type: "SHA256", source: { kind: "keyStore", dir: ".chrony-keys" } });
const server = (to: string, extra: Partial<SourceDeclaration> = {}): SourceDeclaration => ({
  kind: "server",
  to: { host: to },
  options: { iburst: true },
  ...extra,
});
const compile = (fleet: Partial<FleetDeclaration>, keys = fakeKeys()) =>
  compileFleet({ hosts: [], keys: [], rotations: [], ...fleet }, keys, { generator: "cdktf-chrony test" });
const byId = (fleet: Partial<FleetDeclaration>, keys?: KeyFingerprints) => Object.fromEntries(compile(fleet, keys).hosts.map((h) => [h.id, h]));

describe("compileFleet", () => {
  it("distributes a key to exactly the hosts that use it: a server, its clients, a peer pair", () => {
    const peerKey = key("app/PeerKey", 1);
    const clientKey = key("app/ClientKey", 2);
    const hosts = [
      host(1, { sources: [{ kind: "peer", to: { host: "app/h2" }, options: {}, key: { key: peerKey.ref } }] }),
      host(2, { sources: [{ kind: "peer", to: { host: "app/h1" }, options: {}, key: { key: peerKey.ref } }] }),
      host(3, { sources: [server("app/h1", { key: { key: clientKey.ref } })] }),
      host(4, { sources: [{ kind: "server", to: { address: "192.0.2.1" }, options: {} }] }),
    ];
    const m = byId({ hosts, keys: [peerKey, clientKey] });
    expect(m.h1.manifest.keys.entries.map((k) => k.id)).toEqual([1, 2]);
    expect(m.h2.manifest.keys.entries.map((k) => k.id)).toEqual([1]);
    expect(m.h3.manifest.keys.entries.map((k) => [k.id, k.name, k.source])).toEqual([
      [2, "app/ClientKey", { kind: "keyStore", dir: ".chrony-keys" }],
    ]);
    expect(m.h4.manifest.keys.entries).toEqual([]);
    expect(m.h3.manifest.files.find((f) => f.role === "sources")!.content).toContain("\nserver 10.0.0.1 iburst key 2\n");
    expect(m.h1.manifest.files.find((f) => f.role === "sources")!.content).toContain("\npeer 10.0.0.2 key 1\n");
    expect(m.h3.manifest.verify.sources).toEqual([{ kind: "server", name: "10.0.0.1", keyId: 2, nts: false }]);
  });

  it("moves held keys and source lines through a rotation's three phases", () => {
    const [from, to] = [key("app/Old", 10), key("app/New", 11)];
    const result = (["add", "switch", "retire"] as const).map((phase) => {
      const rotation: RotationDeclaration = { ref: "app/Rot", from: from.ref, to: to.ref, phase };
      const m = byId({
        hosts: [host(1), host(2, { sources: [server("app/h1", { key: { rotation: rotation.ref } })] })],
        keys: [from, to],
        rotations: [rotation],
      });
      return [m.h1.manifest.keys.entries.map((k) => k.id), m.h2.manifest.verify.sources[0].keyId, m.h2.manifest.rotations[0].phase];
    });
    expect(result).toEqual([
      [[10, 11], 10, "add"],
      [[10, 11], 11, "switch"],
      [[11], 11, "retire"],
    ]);
  });

  it("puts digests only in the triggers: the keys digest follows the material, the files digest the rendered files", () => {
    const k = key("app/K", 3);
    const fleet = (maxPoll: number) => ({
      hosts: [host(1), host(2, { sources: [server("app/h1", { options: { maxPoll }, key: { key: k.ref } })] })],
      keys: [k],
    });
    const a = byId(fleet(8), fakeKeys({ "app/K": "one" })).h2;
    const b = byId(fleet(8), fakeKeys({ "app/K": "two" })).h2;
    const c = byId(fleet(9), fakeKeys({ "app/K": "one" })).h2;
    expect(Object.keys(a.triggers).sort()).toEqual(["files", "keys", "target"]);
    expect(a.triggers.files).toMatch(/^[0-9a-f]{64}$/);
    expect(a.triggers.target).toBe("root@10.0.0.2:22");
    expect([b.triggers.files === a.triggers.files, b.triggers.keys === a.triggers.keys]).toEqual([true, false]);
    expect([c.triggers.files === a.triggers.files, c.triggers.keys === a.triggers.keys]).toEqual([false, true]);
    expect(a.manifest.digests).toEqual({ files: a.triggers.files, keys: a.triggers.keys });
  });

  it("writes a complete manifest: files, keys file ownership, verify expectations, salt and generator", () => {
    const m = byId({
      hosts: [
        host(1, {
          sources: [{ kind: "peer", to: { host: "app/h2" }, options: { minPoll: 4 } }],
          verify: { cmdEndpoint: "10.0.0.1", requireSynchronised: true },
          reloadPolicy: "restart",
        }),
        host(2),
      ],
    }).h1.manifest;
    expect(m).toMatchObject({
      schema: "cdktf-chrony/host-manifest@3",
      generator: "cdktf-chrony test",
      id: "h1",
      stack: "fleet",
      chronyVersion: "4.3",
      reloadPolicy: "restart",
      fingerprintSalt: { kind: "env", variable: "TEST_SALT" },
      keys: { path: "/etc/chrony/chrony.keys", owner: "root", group: "_chrony", mode: 0o640, entries: [], undeclared: "refuse" },
      // A peer's first exchange takes up to two polls (2 × 2^4 s) plus 10 s; below 30 s, 30 s.
      verify: {
        sources: [{ kind: "peer", name: "10.0.0.2", nts: false }],
        cmdEndpoint: { host: "10.0.0.1", port: 323 },
        requireSynchronised: true,
        timeoutSeconds: 42,
      },
    });
    expect(m.files.map((f) => [f.path, f.role, f.mode])).toEqual([
      ["/etc/chrony/chrony.conf", "conf", 0o644],
      ["/etc/chrony/sources.d/cdktf-chrony.sources", "sources", 0o644],
    ]);
  });

  it("uses another host's NTP port when its profile serves on a non-standard one", () => {
    const sandbox = sandboxProfile({ root: "/sb/h1/root", address: "127.0.0.11", ntpPort: 11101, cmdPort: 11301 });
    const m = byId({ hosts: [host(1, { profile: sandbox, ntpAddress: "127.0.0.11" }), host(2, { sources: [server("app/h1")] })] });
    expect(m.h2.manifest.files[1].content).toContain("\nserver 127.0.0.11 iburst port 11101\n");
  });

  it("refuses what spans hosts, naming both ends and the fix", () => {
    const [k1, k2] = [key("app/K1", 1), key("app/K2", 2)];
    const peers = [
      host(1, { sources: [{ kind: "peer", to: { host: "app/h2" }, options: {}, key: { key: k1.ref } }] }),
      host(2, { sources: [{ kind: "peer", to: { host: "app/h1" }, options: {}, key: { key: k2.ref } }] }),
    ];
    expect(() => compile({ hosts: peers, keys: [k1, k2] })).toThrow(
      "peers h1 and h2 use different keys (1 and 2): symmetric peers must use the same key on both sides (ChronyHost.peer(a, b, { key }) does that)",
    );

    const [a, b] = [key("app/A", 5), key("app/B", 5)];
    expect(() => compile({ hosts: [host(1, { keys: [{ key: a.ref }] }), host(2, { keys: [{ key: b.ref }] })], keys: [a, b] })).toThrow(
      "key ID 5 has two different materials (app/A and app/B): a key ID must name one key across the fleet; give one of them a new keyId",
    );
    // The same material under two constructs is one key: allowed.
    expect(() =>
      compile({ hosts: [host(1, { keys: [{ key: a.ref }, { key: b.ref }] })], keys: [a, b] }, fakeKeys({ "app/A": "m", "app/B": "m" })),
    ).not.toThrow();

    const k = key("app/K", 4);
    const byAddress = [host(1), host(2, { sources: [{ kind: "server", to: { address: "10.0.0.1" }, options: {}, key: { key: k.ref } }] })];
    expect(() => compile({ hosts: byAddress, keys: [k] })).toThrow(
      "host h2: server 10.0.0.1 is host h1 of this app, named by address, so key 4 is not distributed to it: pass the ChronyHost (host.addServer(h1, { key })) instead of its address",
    );
    expect(() => compile({ hosts: [host(1), host(2, { target: host(1).target })] })).toThrow(
      "hosts app/h1 and app/h2 have the same SSH target 10.0.0.1:22",
    );
    expect(() => compile({ hosts: [host(1), host(2, { ntpAddress: "10.0.0.1" })] })).toThrow(
      "hosts app/h1 and app/h2 have the same NTP address 10.0.0.1:123: set ntpAddress",
    );
    expect(() => compile({ hosts: [host(1), host(2, { id: "h1" })] })).toThrow(
      "two hosts are named 'h1' in stack fleet (app/h1 and app/h2): set hostName",
    );
    expect(() => compile({ hosts: [host(1, { sources: [server("app/ghost")] })] })).toThrow(
      "host h1: its server app/ghost is not a host of this app",
    );
    expect(() => compile({ hosts: [host(1, { keys: [{ key: "app/Nope" }] })] })).toThrow("host h1: key app/Nope is not declared in the app");
    expect(() => compile({ hosts: [host(1, { verify: { cmdEndpoint: "10.0.0.1:99999" } })] })).toThrow(
      /host h1: invalid verify.cmdEndpoint '10.0.0.1:99999'/,
    );
  });

  it("checks each host's source lines against the grammar of its chrony version", () => {
    const old = host(1, {
      config: buildChronyConfig({ chronyVersion: "4.2" }),
      sources: [{ kind: "server", to: { address: "192.0.2.1" }, options: { maxDelayQuantile: 0.2 } }],
    });
    expect(() => compile({ hosts: [old] })).toThrow(/maxdelayquant needs chrony 4\.3 or newer \(this host runs 4\.2\)/);
  });

  it("gives the same output for the same input, sorted by stack and host", () => {
    const hosts = [host(3, { stack: "b" }), host(1, { stack: "b" }), host(2, { stack: "a" })];
    const once = compile({ hosts });
    expect(once.hosts.map((h) => `${h.stack}/${h.id}`)).toEqual(["a/h2", "b/h1", "b/h3"]);
    expect(JSON.stringify(compile({ hosts: [...hosts].reverse() }).hosts)).toBe(JSON.stringify(once.hosts));
  });
});
