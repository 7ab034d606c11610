import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { Testing } from "cdktf";
import { ChronyHost, HostKeyPolicy, HostProfiles, KeyRotation, KeySource, NtpKey, PushResourceType, RotationPhase } from "../../../constructs";
import { HostManifest } from "../../../lib/manifest";
import { readOutdir } from "../../../lib/deploy/outdir";
import { materialForms, readTree, testStack } from "../../helpers/synth";

const target = (n: number) => ({ address: `10.0.0.${n}`, hostKey: HostKeyPolicy.fingerprint("SHA256:" + "A".repeat(43)) });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized JSON, read loosely
function resources(stack: Parameters<typeof Testing.synth>[0], type: string): Record<string, any> {
  return JSON.parse(Testing.synth(stack)).resource?.[type] ?? {};
}

/** Testing.fullSynth returns the output folder. */
function manifests(stackDir: string): Record<string, HostManifest> {
  return Object.fromEntries(readOutdir(stackDir).map(({ manifest }) => [manifest.id, manifest]));
}

describe("ChronyHost", () => {
  it("synthesizes one terraform_data per host whose triggers hold digests only", () => {
    const { stack } = testStack();
    new ChronyHost(stack, "a", { target: target(1), servers: [{ address: "192.0.2.1", iburst: true }] });
    new ChronyHost(stack, "b", { target: target(2), servers: [{ address: "192.0.2.1" }] });
    const data = Object.values(resources(stack, "terraform_data"));
    expect(data).toHaveLength(2);
    for (const r of data) {
      expect(Object.keys(r.triggers_replace).sort()).toEqual(["files", "keys", "target"]);
      expect(r.triggers_replace.files).toMatch(/^[0-9a-f]{64}$/);
      const exec = r.provisioner[0]["local-exec"];
      expect(exec.interpreter.slice(-3)).toEqual(["apply", "--host", expect.stringMatching(/^[ab]$/)]);
      expect(exec.command).toBe("chrony-hosts.jsonl");
    }
  });

  it("uses null_resource from @cdktf/provider-null when asked, with its provider", () => {
    const { stack } = testStack();
    new ChronyHost(stack, "a", { target: target(1), pushResource: PushResourceType.NULL_RESOURCE });
    const synth = JSON.parse(Testing.synth(stack));
    expect(Object.values(synth.resource.null_resource)).toHaveLength(1);
    expect(Object.values(synth.resource.null_resource)[0]).toHaveProperty("triggers.files");
    expect(synth.provider).toHaveProperty("null");
  });

  it("writes the stack's manifests beside its cdk.tf.json, one line per host", () => {
    const { app, stack } = testStack();
    new ChronyHost(stack, "a", { target: target(1), servers: [{ address: "192.0.2.1", maxPoll: 8 }] });
    const out = Testing.fullSynth(stack);
    const m = manifests(out).a;
    expect(m.files.map((f) => f.path)).toEqual(["/etc/chrony/chrony.conf", "/etc/chrony/sources.d/cdktf-chrony.sources"]);
    expect(m.verify.sources).toEqual([{ kind: "server", name: "192.0.2.1", nts: false }]);
    void app;
  });

  it("distributes a key to exactly the hosts that use it: a server, its clients, a peer pair", () => {
    const { stack, projectDir } = testStack();
    const store = KeySource.keyStore(path.join(projectDir, "keys"));
    const clientKey = new NtpKey(stack, "ClientKey", { keyId: 2, source: store });
    const peerKey = new NtpKey(stack, "PeerKey", { keyId: 1, source: store });
    const s1 = new ChronyHost(stack, "s1", { target: target(1), allow: ["10.0.0.0/24"] });
    const s2 = new ChronyHost(stack, "s2", { target: target(2), allow: ["10.0.0.0/24"] });
    ChronyHost.peer(s1, s2, { key: peerKey });
    const c1 = new ChronyHost(stack, "c1", { target: target(3) });
    c1.addServer(s1, { key: clientKey, iburst: true });
    new ChronyHost(stack, "other", { target: target(4), servers: [{ address: "192.0.2.1" }] });
    const m = manifests(Testing.fullSynth(stack));
    expect(m.s1.keys.entries.map((k) => k.id)).toEqual([1, 2]);
    expect(m.s2.keys.entries.map((k) => k.id)).toEqual([1]);
    expect(m.c1.keys.entries.map((k) => k.id)).toEqual([2]);
    expect(m.other.keys.entries).toEqual([]);
    const c1Sources = m.c1.files.find((f) => f.role === "sources")!.content;
    expect(c1Sources).toContain("server 10.0.0.1 iburst key 2\n");
    expect(m.s1.files.find((f) => f.role === "sources")!.content).toContain("peer 10.0.0.2 key 1\n");
  });

  it("waits longer in verify for a host with peers, whose first exchange takes up to two polls", () => {
    const { stack } = testStack();
    const a = new ChronyHost(stack, "a", { target: target(1) });
    const b = new ChronyHost(stack, "b", { target: target(2) });
    ChronyHost.peer(a, b, { minPoll: 4 });
    new ChronyHost(stack, "c", { target: target(3) }).addServer(a, { iburst: true });
    const m = manifests(Testing.fullSynth(stack));
    expect([m.a.verify.timeoutSeconds, m.b.verify.timeoutSeconds, m.c.verify.timeoutSeconds]).toEqual([42, 42, 30]);
  });

  it("uses another host's NTP port when its profile serves on a non-standard one", () => {
    const { stack } = testStack();
    const server = new ChronyHost(stack, "h1", {
      target: target(1),
      profile: HostProfiles.sandbox({ root: "/sb/h1/root", address: "127.0.0.11", ntpPort: 11101, cmdPort: 11301 }),
      ntpAddress: "127.0.0.11",
    });
    const client = new ChronyHost(stack, "h2", { target: target(2) });
    client.addServer(server, { iburst: true });
    const m = manifests(Testing.fullSynth(stack));
    expect(m.h2.files[1].content).toContain("server 127.0.0.11 iburst port 11101\n");
  });

  it("keeps key material out of the synth output", () => {
    const { stack, projectDir } = testStack();
    const keyDir = path.join(projectDir, "keys");
    const key = new NtpKey(stack, "K", { keyId: 7, type: "SHA512", source: KeySource.keyStore(keyDir) });
    const s = new ChronyHost(stack, "s", { target: target(1) });
    new ChronyHost(stack, "c", { target: target(2) }).addServer(s, { key });
    const out = Testing.fullSynth(stack);
    const material = Buffer.from(fs.readFileSync(path.join(keyDir, "key-7.line"), "utf8").trim().split(" ")[2].slice(4), "hex");
    const text = readTree(out) + Testing.synth(stack);
    for (const form of materialForms(material)) expect(text).not.toContain(form);
  });

  it("changes the keys trigger when the material changes, and nothing else", () => {
    const build = (hex: string) => {
      const { stack } = testStack();
      process.env.CDKTF_CHRONY_FINGERPRINT_SALT = "fixed-salt-for-test";
      process.env.TEST_K = hex;
      const key = new NtpKey(stack, "K", { keyId: 3, type: "SHA1", source: KeySource.env("TEST_K") });
      new ChronyHost(stack, "c", { target: target(2), keys: [key] });
      const r = Object.values(resources(stack, "terraform_data"))[0];
      delete process.env.CDKTF_CHRONY_FINGERPRINT_SALT;
      return r.triggers_replace;
    };
    const a = build("HEX:00112233445566778899");
    const b = build("HEX:99887766554433221100");
    expect(a.files).toBe(b.files);
    expect(a.keys).not.toBe(b.keys);
  });

  it("moves sources and held keys through the three phases of a rotation", () => {
    const phases = [RotationPhase.ADD, RotationPhase.SWITCH, RotationPhase.RETIRE].map((phase) => {
      const { stack, projectDir } = testStack();
      const store = KeySource.keyStore(path.join(projectDir, "keys"));
      const rotation = new KeyRotation(stack, "Rotation", {
        from: new NtpKey(stack, "Old", { keyId: 10, source: store }),
        to: new NtpKey(stack, "New", { keyId: 11, source: store }),
        phase,
      });
      const s = new ChronyHost(stack, "s", { target: target(1) });
      new ChronyHost(stack, "c", { target: target(2) }).addServer(s, { key: rotation });
      const m = manifests(Testing.fullSynth(stack));
      return { held: m.s.keys.entries.map((k) => k.id), line: m.c.files[1].content.trim().split("\n").pop(), rotations: m.c.rotations };
    });
    expect(phases.map((p) => p.held)).toEqual([[10, 11], [10, 11], [11]]);
    expect(phases.map((p) => p.line)).toEqual(["server 10.0.0.1 key 10", "server 10.0.0.1 key 11", "server 10.0.0.1 key 11"]);
    expect(phases[1].rotations).toEqual([{ name: "fleet/Rotation", phase: "switch", fromKeyId: 10, toKeyId: 11 }]);
  });
});

describe("ChronyHost validation", () => {
  it("fails in the constructor on bad props, with the value and the fix", () => {
    const { stack } = testStack();
    expect(() => new ChronyHost(stack, "bad name", { target: target(1) })).toThrow(/invalid host name 'bad name': use letters, digits/);
    expect(() => new ChronyHost(stack, "p", { target: { ...target(1), port: 70000 } })).toThrow("host p: invalid target.port 70000: use 1..65535");
    expect(() => new ChronyHost(stack, "v", { target: target(1), chronyVersion: "4.3", servers: [{ address: "192.0.2.1", minPoll: 40 }] })).toThrow(
      /host v, server 192\.0\.2\.1: invalid 'server 192\.0\.2\.1 minpoll 40'/,
    );
    // chronyd 4.3 reads an obsolete line and ignores it: accepted, with a warning at synth (see the adoption tests).
    expect(() => new ChronyHost(stack, "r", { target: target(1), rawDirectives: ["commandkey 1"] })).not.toThrow();
  });

  it("fails on commandKey for chrony >= 2.2 and renders it with its key for older hosts", () => {
    const { stack, projectDir } = testStack();
    const key = new NtpKey(stack, "Cmd", { keyId: 1, type: "MD5", source: KeySource.keyStore(path.join(projectDir, "k")) });
    expect(() => new ChronyHost(stack, "new", { target: target(1), commandKey: key })).toThrow(
      /host new: commandKey is not supported by chrony 4\.3: command authentication was removed in chrony 2\.2; control command access with bindCmdAddresses/,
    );
    new ChronyHost(stack, "old", { target: target(2), chronyVersion: "2.1", commandKey: key, servers: [{ address: "192.0.2.1" }] });
    const m = manifests(Testing.fullSynth(stack)).old;
    expect(m.files).toHaveLength(1);
    expect(m.files[0].content).toContain("\ncommandkey 1\n");
    expect(m.keys.entries.map((k) => k.id)).toEqual([1]);
  });

  it("fails on peers that use different keys", () => {
    const { stack, projectDir } = testStack();
    const store = KeySource.keyStore(path.join(projectDir, "k"));
    const k1 = new NtpKey(stack, "K1", { keyId: 1, source: store });
    const k2 = new NtpKey(stack, "K2", { keyId: 2, source: store });
    const a = new ChronyHost(stack, "a", { target: target(1) });
    const b = new ChronyHost(stack, "b", { target: target(2) });
    a.addPeer(b, { key: k1 });
    b.addPeer(a, { key: k2 });
    expect(() => Testing.synth(stack)).toThrow(
      "peers a and b use different keys (1 and 2): symmetric peers must use the same key on both sides (ChronyHost.peer(a, b, { key }) does that)",
    );
  });

  it("fails on one key ID with two materials", () => {
    const { stack, projectDir } = testStack();
    const k1 = new NtpKey(stack, "K1", { keyId: 5, source: KeySource.keyStore(path.join(projectDir, "store-1")) });
    const k2 = new NtpKey(stack, "K2", { keyId: 5, source: KeySource.keyStore(path.join(projectDir, "store-2")) });
    new ChronyHost(stack, "a", { target: target(1), keys: [k1] });
    new ChronyHost(stack, "b", { target: target(2), keys: [k2] });
    expect(() => Testing.synth(stack)).toThrow(
      /key ID 5 has two different materials \(fleet\/K\d and fleet\/K\d\): a key ID must name one key across the fleet/,
    );
  });

  it("fails on a client that names a server of the app by address with a key it would not get", () => {
    const { stack, projectDir } = testStack();
    const key = new NtpKey(stack, "K", { keyId: 4, source: KeySource.keyStore(path.join(projectDir, "k")) });
    new ChronyHost(stack, "server", { target: target(1) });
    new ChronyHost(stack, "client", { target: target(2), servers: [{ address: "10.0.0.1", key }] });
    expect(() => Testing.synth(stack)).toThrow(
      "host client: server 10.0.0.1 is host server of this app, named by address, so key 4 is not distributed to it: pass the ChronyHost (host.addServer(server, { key })) instead of its address",
    );
  });

  it("fails on two hosts with one SSH target", () => {
    const { stack } = testStack();
    new ChronyHost(stack, "a", { target: target(1) });
    new ChronyHost(stack, "b", { target: target(1), ntpAddress: "10.9.9.9" });
    expect(() => Testing.synth(stack)).toThrow(
      "hosts fleet/a and fleet/b have the same SSH target 10.0.0.1:22: each host needs its own address or port",
    );
  });

  it("fails on a host that uses itself, and on a pool that is a host", () => {
    const { stack } = testStack();
    const a = new ChronyHost(stack, "a", { target: target(1) });
    expect(() => a.addServer(a)).toThrow("host a: a host cannot use itself as a server");
    const b = new ChronyHost(stack, "b", { target: target(2) });
    expect(() => a.addPool(b as unknown as string)).toThrow("host a: a pool is a DNS name, not a host: use addServer for b");
  });

  it("fails on bad NtpKey and rotation props", () => {
    const { stack } = testStack();
    expect(() => new NtpKey(stack, "Zero", { keyId: 0 })).toThrow(
      `invalid keyId 0 for NtpKey 'Zero': use a whole number from 1 to 4294967295 (0 means "no key" to chrony)`,
    );
    expect(() => new NtpKey(stack, "T", { keyId: 1, type: "sha1" as never })).toThrow(/invalid type 'sha1' for NtpKey 'T': use one of MD5, SHA1/);
    const k = new NtpKey(stack, "K", { keyId: 1 });
    expect(() => new KeyRotation(stack, "R", { from: k, to: k, phase: RotationPhase.ADD })).toThrow(
      /the new key has the same ID \(1\) as the old one/,
    );
    expect(() => HostKeyPolicy.fingerprint("abc")).toThrow(/invalid host key fingerprint 'abc'/);
  });
});

describe("ChronyHost and the fleet registry", () => {
  it("compiles again when a host or a source is added after a synth: no stale result", () => {
    const { stack, projectDir } = testStack();
    const key = new NtpKey(stack, "K", { keyId: 6, source: KeySource.keyStore(path.join(projectDir, "k")) });
    const server = new ChronyHost(stack, "s", { target: target(1) });
    const first = manifests(Testing.fullSynth(stack));
    expect(Object.keys(first)).toEqual(["s"]);
    expect(first.s.keys.entries).toEqual([]);
    new ChronyHost(stack, "c", { target: target(2) }).addServer(server, { key });
    const second = manifests(Testing.fullSynth(stack));
    expect(Object.keys(second).sort()).toEqual(["c", "s"]);
    expect(second.s.keys.entries.map((k) => k.id)).toEqual([6]);
  });

  it("leaves nothing behind for a host whose props were refused: the others synthesize", () => {
    const { stack } = testStack();
    new ChronyHost(stack, "good", { target: target(1) });
    expect(() => new ChronyHost(stack, "bad", { target: target(2), allow: ["10.0.0.0/33"] })).toThrow(/^host bad: invalid 'allow 10\.0\.0\.0\/33'/);
    expect(Object.keys(resources(stack, "terraform_data"))).toHaveLength(1);
    expect(Object.keys(manifests(Testing.fullSynth(stack)))).toEqual(["good"]);
  });

  it("checks a source before keeping it, with the real line of a host target in the message", () => {
    const { stack } = testStack();
    const server = new ChronyHost(stack, "s", { target: target(1), ntpAddress: "10.1.1.1" });
    const client = new ChronyHost(stack, "c", { target: target(2) });
    expect(() => client.addServer(server, { minPoll: 99 })).toThrow(
      "host c, server s: invalid 'server 10.1.1.1 minpoll 99': server option minpoll must be an integer from -7 to 24, got '99'",
    );
    expect(manifests(Testing.fullSynth(stack)).c.verify.sources).toEqual([]);
  });

  it("exposes what users need and nothing the compiler used to read", () => {
    const { stack } = testStack();
    const h = new ChronyHost(stack, "h", { target: target(1) }) as unknown as Record<string, unknown>;
    expect([h.hostName, h.ntpAddress, typeof h.addServer, typeof h.push]).toEqual(["h", "10.0.0.1", "function", "object"]);
    // Private fields exist at run time but are not part of the typed surface; `complete` and `stackName` are gone.
    expect("complete" in h).toBe(false);
    expect("stackName" in h).toBe(false);
  });
});

describe("ChronyHost targets behind a bastion", () => {
  const bastionKey = HostKeyPolicy.fingerprint("SHA256:" + "B".repeat(43));

  it("writes the jump hosts into the manifest, each with a host-key policy, defaults from the target", () => {
    const { stack } = testStack();
    const known = HostKeyPolicy.knownHosts("~/.ssh/known_hosts");
    new ChronyHost(stack, "a", {
      target: { address: "10.0.0.1", user: "deploy", privateKeyPath: "keys/deploy", hostKey: known, jump: { address: "bastion.example.net" } },
    });
    new ChronyHost(stack, "b", {
      target: {
        ...target(2),
        jump: [
          { address: "outer.example.net", user: "jump", hostKey: bastionKey },
          { address: "inner.example.net", port: 2222 },
        ],
      },
    });
    const m = manifests(Testing.fullSynth(stack));
    expect(m.a.target).toEqual({
      address: "10.0.0.1",
      port: 22,
      user: "deploy",
      privateKeyPath: "keys/deploy",
      hostKey: known,
      sudo: true,
      jump: [{ address: "bastion.example.net", port: 22, user: "deploy", privateKeyPath: "keys/deploy", hostKey: known }],
    });
    // A pinned fingerprint is the target's alone: the second jump host falls back to known_hosts.
    expect(m.b.target.jump).toEqual([
      { address: "outer.example.net", port: 22, user: "jump", hostKey: bastionKey },
      { address: "inner.example.net", port: 2222, user: "root", hostKey: HostKeyPolicy.knownHosts() },
    ]);
    expect(m.b.target.sudo).toBe(false);
  });

  it("records which target fields the app set when it asks for the SSH config, and leaves sudo to the user it names", () => {
    const { stack } = testStack();
    new ChronyHost(stack, "a", { target: { address: "ntp-1", sshConfig: true } });
    new ChronyHost(stack, "b", { target: { address: "ntp-2", user: "root", port: 2222, sshConfig: "ssh/config" } });
    const m = manifests(Testing.fullSynth(stack));
    expect(m.a.target).toMatchObject({ sudo: true, sshConfig: { path: "~/.ssh/config", explicit: [] } });
    expect(m.b.target).toMatchObject({ sudo: false, sshConfig: { path: "ssh/config", explicit: ["port", "user"] } });
  });

  it("allows one address twice behind different bastions, not behind the same one", () => {
    const { stack } = testStack();
    new ChronyHost(stack, "site-a", { target: { ...target(1), jump: { address: "bastion-a.example.net" } } });
    new ChronyHost(stack, "site-b", { target: { ...target(1), jump: { address: "bastion-b.example.net" } }, ntpAddress: "10.1.0.1" });
    expect(() => Testing.synth(stack)).not.toThrow();
    new ChronyHost(stack, "site-b2", { target: { ...target(1), jump: { address: "bastion-b.example.net" } }, ntpAddress: "10.2.0.1" });
    expect(() => Testing.synth(stack)).toThrow(/have the same SSH target bastion-b\.example\.net:22 > 10\.0\.0\.1:22/);
  });

  it("fails on bad jump hosts and SSH config paths, with the value and the fix", () => {
    const { stack } = testStack();
    const bad = (jump: unknown) => () =>
      new ChronyHost(stack, `h${Math.random().toString(36).slice(2, 8)}`, { target: { ...target(1), jump } as never });
    expect(bad([])).toThrow("invalid target.jump []: give one jump host ({ address }) or a chain, or leave jump out for a direct connection");
    expect(bad({ address: "bad host" })).toThrow("invalid target.jump.address 'bad host': use a hostname or an IP address");
    expect(bad([{ address: "b" }, { address: "c", port: 0 }])).toThrow("invalid target.jump[1].port 0: use 1..65535");
    expect(bad([{ address: "b", user: "not a user" }])).toThrow("invalid target.jump[0].user 'not a user': use a login name such as jump");
    expect(() => new ChronyHost(stack, "c", { target: { ...target(1), sshConfig: "" } })).toThrow(
      'invalid target.sshConfig "": use true (~/.ssh/config) or the path of an OpenSSH client config',
    );
  });
});
