import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSshError } from "../../../lib/ssh/errors";
import {
  SshConfig,
  hostPatternsMatch,
  parseProxyJump,
  resolveCommandLineDestination,
  resolveDestination,
  type DestinationDefaults,
} from "../../../lib/ssh/ssh-config";

let home: string;
let savedHome: string | undefined;
let savedAgent: string | undefined;

beforeAll(() => {
  home = mkdtempSync(path.join(os.tmpdir(), "ssh-config-"));
  savedHome = process.env.HOME;
  savedAgent = process.env.SSH_AUTH_SOCK;
  process.env.HOME = home;
  delete process.env.SSH_AUTH_SOCK;
  mkdirSync(path.join(home, ".ssh", "config.d"), { recursive: true });
  for (const key of ["id_ed25519", "deploy_key", "jump_key"]) writeFileSync(path.join(home, ".ssh", key), "not parsed here");
});

afterAll(() => {
  process.env.HOME = savedHome;
  if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
  rmSync(home, { recursive: true, force: true });
});

const defaults = (): DestinationDefaults => ({ port: 22, user: "root", hostKey: { knownHostsPath: path.join(home, ".ssh", "known_hosts") } });

const FLEET_CONFIG = `
# the fleet sits behind a bastion
Host bastion
  HostName 198.18.0.2
  User jump
  IdentityFile ~/.ssh/jump_key
  UserKnownHostsFile ~/.ssh/known_hosts.d/bastion

Host ntp-* !ntp-legacy
  HostName %h.lab.example
  User deploy
  ProxyJump bastion
  IdentityFile ~/.ssh/deploy_key
  StrictHostKeyChecking accept-new

Host ntp-legacy
  HostName=198.19.0.99
  Port = 2222

Host *
  User fallback
  IdentityFile ~/.ssh/id_ed25519
`;

describe("SshConfig.lookup", () => {
  it("takes the first value of each keyword from the matching blocks, in order", () => {
    const c = SshConfig.parse(FLEET_CONFIG, "config");
    expect(c.lookup("ntp-1")).toMatchObject({
      hostName: "%h.lab.example",
      user: "deploy",
      proxyJump: "bastion",
      identityFiles: ["~/.ssh/deploy_key", "~/.ssh/id_ed25519"],
      strictHostKeyChecking: "accept-new",
    });
    expect(c.lookup("ntp-legacy")).toMatchObject({ hostName: "198.19.0.99", port: "2222", user: "fallback" });
    expect(c.lookup("other")).toMatchObject({ hostName: undefined, user: "fallback" });
  });

  it("matches Host patterns with wildcards and negation, case-insensitively", () => {
    expect(hostPatternsMatch(["ntp-*", "!ntp-legacy"], "NTP-7")).toBe(true);
    expect(hostPatternsMatch(["ntp-*", "!ntp-legacy"], "ntp-legacy")).toBe(false);
    expect(hostPatternsMatch(["h?"], "h10")).toBe(false);
  });

  it("evaluates Match all and Match host, and names the Match blocks it cannot evaluate", () => {
    const c = SshConfig.parse("Match exec true\n  User ignored\nMatch host a*\n  Port 2200\nMatch all\n  User everyone\n");
    expect(c.lookup("abc")).toMatchObject({ user: "everyone", port: "2200", skipped: ["Match exec true"] });
    expect(c.lookup("b")).toMatchObject({ port: undefined });
  });

  it("reads Include files, relative to the including file's folder", async () => {
    const main = path.join(home, ".ssh", "config");
    writeFileSync(main, "Include config.d/*\nHost *\n  Port 2022\n");
    writeFileSync(path.join(home, ".ssh", "config.d", "10-lab"), 'Host lab-*\n  User "lab user"\n');
    const c = await SshConfig.load("~/.ssh/config");
    expect(c.lookup("lab-1")).toMatchObject({ user: "lab user", port: "2022" });
  });
});

describe("parseProxyJump", () => {
  it("reads [user@]host[:port] lists, IPv6 in brackets", () => {
    expect(parseProxyJump("jump@b1:2222,b2,[2001:db8::1]:22", "test")).toEqual([
      { host: "b1", user: "jump", port: 2222 },
      { host: "b2" },
      { host: "2001:db8::1", port: 22 },
    ]);
  });

  it("refuses a bad hop with the value and the form", () => {
    expect(() => parseProxyJump("a@b:99999", "config line 3")).toThrow(
      "invalid 'a@b:99999' in config line 3: use [user@]host[:port] (jump hosts separated by commas)",
    );
  });
});

describe("resolveDestination", () => {
  it("fills what the destination leaves unset from the config, hops included, with tokens expanded", async () => {
    const c = SshConfig.parse(FLEET_CONFIG, "config");
    const r = await resolveDestination({ host: "ntp-1" }, c, defaults());
    expect(r).toMatchObject({
      host: "ntp-1.lab.example",
      port: 22,
      user: "deploy",
      privateKeyPath: path.join(home, ".ssh", "deploy_key"),
      hostKey: { knownHostsPath: path.join(home, ".ssh", "known_hosts"), trustOnFirstUse: true },
    });
    expect(r.jump).toEqual([
      {
        host: "198.18.0.2",
        port: 22,
        user: "jump",
        privateKeyPath: path.join(home, ".ssh", "jump_key"),
        hostKey: expect.objectContaining({ knownHostsPath: path.join(home, ".ssh", "known_hosts.d", "bastion"), trustOnFirstUse: false }),
      },
    ]);
  });

  it("lets explicit values win over the config", async () => {
    const c = SshConfig.parse(FLEET_CONFIG, "config");
    const r = await resolveDestination({ host: "ntp-1", user: "ops", port: 2201, jump: [] }, c, defaults());
    expect(r).toMatchObject({ user: "ops", port: 2201, jump: [] });
  });

  it("follows the first jump host's own ProxyJump, as ssh -J does", async () => {
    const c = SshConfig.parse("Host inner\n  ProxyJump outer\nHost target\n  ProxyJump inner\n", "config");
    const r = await resolveDestination({ host: "target" }, c, defaults());
    expect(r.jump.map((h) => h.host)).toEqual(["outer", "inner"]);
  });

  it("treats StrictHostKeyChecking no as accept-new and says so", async () => {
    const c = SshConfig.parse("Host *\n  StrictHostKeyChecking no\n", "config");
    const r = await resolveDestination({ host: "x" }, c, defaults());
    expect(r.hostKey.trustOnFirstUse).toBe(true);
    expect(r.notes).toEqual([expect.stringContaining("StrictHostKeyChecking no in the SSH config is treated as accept-new")]);
  });

  it("refuses ProxyCommand and a ProxyJump loop with one line each", async () => {
    const refusal = async (text: string) => {
      try {
        await resolveDestination({ host: "x" }, SshConfig.parse(text, "config"), defaults());
      } catch (err) {
        if (isSshError(err)) return err.message;
        throw err;
      }
      return "accepted";
    };
    expect(await refusal("Host x\n  ProxyCommand nc %h %p\n")).toMatch(/ProxyCommand is not supported \('nc %h %p'\): use ProxyJump/);
    expect(await refusal("Host *\n  ProxyJump x\n")).toMatch(/ProxyJump chains more than 8 deep/);
  });

  it("uses the destination's defaults without a config", async () => {
    expect(await resolveDestination({ host: "10.0.0.1" }, undefined, defaults())).toEqual({
      host: "10.0.0.1",
      port: 22,
      user: "root",
      hostKey: defaults().hostKey,
      jump: [],
      notes: [],
    });
  });
});

describe("resolveCommandLineDestination", () => {
  it("reads ~/.ssh/config when it exists, lets the command line win, and gives --identity to jump hosts without a key", async () => {
    const file = path.join(home, "cli-config");
    writeFileSync(file, "Host ntp-*\n  User deploy\n  Port 2200\nHost hop\n  HostName 198.18.0.2\n");
    const r = await resolveCommandLineDestination({ target: "ops@ntp-1", jump: "jump@hop", identity: "~/.ssh/deploy_key", sshConfig: file });
    expect(r).toMatchObject({ host: "ntp-1", user: "ops", port: 2200, privateKeyPath: path.join(home, ".ssh", "deploy_key") });
    expect(r.jump).toEqual([expect.objectContaining({ host: "198.18.0.2", user: "jump", privateKeyPath: path.join(home, ".ssh", "deploy_key") })]);
  });

  it("goes without a config file when none exists or 'none' is given", async () => {
    const r = await resolveCommandLineDestination({ target: "10.0.0.1:2222", identity: "/k" });
    expect(r).toMatchObject({ host: "10.0.0.1", port: 2222, user: "root", privateKeyPath: "/k", jump: [] });
    await expect(resolveCommandLineDestination({ target: "x", sshConfig: path.join(home, "missing") })).rejects.toThrow(
      /cannot read SSH config .*missing: ENOENT/,
    );
  });
});
