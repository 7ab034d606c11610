import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { confEquivalence } from "../../lib/deploy/conf-equivalence";
import { readOutdir } from "../../lib/deploy/outdir";
import { Directive, parseDirectiveLine } from "../../lib/model/directive";
import { effectiveConfig, effectiveDifference } from "../../lib/model/effective-config";
import { hostPaths } from "../../lib/sandbox";
import type { SandboxHost } from "../../lib/sandbox";
import { ROOT, stripAnsi } from "../helpers/cdktf";
import { chronydPid, runCli } from "../helpers/fleet";
import { startSandbox, StartedSandbox } from "../helpers/sandbox";

// Adopting hosts that run hand-written configurations: `import --ssh` reads them, the generated
// app compiles, `cdktf deploy` (real Terraform) applies it, chronyd reads the deployed files as it
// read the hand-written ones, and drift is clean.

let sandbox: StartedSandbox;
let project: string;
const logs: string[] = [];
const before = new Map<string, { effective: string[]; pid: number }>();

// Made-up test keys (never real material): key 1 is shared by the server and two clients, key 2 only on the server, key 3 only on h3.
const KEY_1 = "HEX:5F6A0C1D2E3B4A5968778695A4B3C2D1E0F10203";
const KEY_2 = "ASCII:hand-typed-password-2";
const KEY_3 = "HEX:00112233445566778899AABBCCDDEEFF0011223344556677";
const MATERIAL = ["5F6A0C1D2E3B4A5968778695A4B3C2D1E0F10203", "hand-typed-password-2", "00112233445566778899AABBCCDDEEFF0011223344556677"];

/** The lines a sandbox host's chronyd needs (its own pid file, ports, sockets), hand-written. */
function sandboxLines(h: SandboxHost): string[] {
  const p = hostPaths(sandbox.dir, h.id);
  return [
    `pidfile ${p.pidFile}`,
    `driftfile   ${p.varLibDir}/chrony.drift`,
    `ntsdumpdir ${p.varLibDir}`,
    `logdir ${p.logDir}`,
    `keyfile ${p.keysFile}`,
    `sourcedir ${p.sourcesDir}`,
    `confdir ${p.confDir}`,
    `port ${h.ntpPort}`,
    `bindaddress ${h.address}`,
    `bindacqaddress ${h.address}`,
    `cmdport ${h.cmdPort}`,
    `bindcmdaddress ${h.address}`,
    `bindcmdaddress ${p.socket}`,
  ];
}

/** Hand-written configurations: comments, odd spacing, shuffled order, old and odd lines. */
function handWritten(): Record<string, { conf: string; keys: string; sources?: string }> {
  const [h1, h2, h3] = sandbox.hosts;
  return {
    h1: {
      // Only comments, whitespace and order differ from what the app renders.
      conf:
        ["# time server, edited by hand", "local stratum 8", ...sandboxLines(h1).reverse(), "", "allow    127.0.0.0/8", "! old comment style"].join(
          "\n",
        ) + "\n",
      keys: `# keys\n1 SHA1 ${KEY_1}\n2 ${KEY_2}\n`,
    },
    h2: {
      conf:
        [
          ...sandboxLines(h2),
          `server ${h1.address} port ${h1.ntpPort} iburst   key 1 minpoll 4 maxpoll 6`,
          "makestep 1.0 3",
          "maxupdateskew 100.0",
          "log tracking",
          "log measurements",
        ].join("\n") + "\n",
      keys: `1 SHA1 ${KEY_1}\n`,
    },
    h3: {
      // Sources in a sourcedir file of its own, an obsolete line chronyd 4.3 ignores, typed extras.
      conf:
        [...sandboxLines(h3), "maxslewrate 500", "commandkey 3", "deny 127.0.9.0/24", "allow all 127.0.0.0/8", "clientloglimit 1048576"].join("\n") +
        "\n",
      keys: `1 SHA1 ${KEY_1}\n3 SHA256 ${KEY_3}\n`,
      sources: `server ${h1.address} port ${h1.ntpPort} iburst minpoll 4 maxpoll 6 key 1\n`,
    },
  };
}

function chronydP(file: string): Directive[] {
  const r = spawnSync("/usr/sbin/chronyd", ["-p", "-f", file], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split("\n").flatMap((l) => parseDirectiveLine(l) ?? []);
}

/** What chronyd applies on a host: chrony.conf as `chronyd -p` reads it, plus its sourcedir's *.sources. */
function liveEffective(h: SandboxHost): string[] {
  const p = hostPaths(sandbox.dir, h.id);
  const sources = fs
    .readdirSync(p.sourcesDir)
    .filter((f) => f.endsWith(".sources"))
    .flatMap((f) =>
      fs
        .readFileSync(path.join(p.sourcesDir, f), "utf8")
        .split("\n")
        .flatMap((l) => parseDirectiveLine(l) ?? []),
    );
  return effectiveConfig(chronydP(p.confFile), sources);
}

function cli(args: string[]) {
  const r = runCli(args, { env: { CDKTF_CHRONY_PROJECT_DIR: project } });
  logs.push(r.stdout, r.stderr);
  return r;
}

beforeAll(async () => {
  expect(execFileSync("terraform", ["version"], { encoding: "utf8" })).toMatch(/^Terraform v1\./);
  sandbox = await startSandbox({ hosts: 3, firstAddress: "127.0.40.11" });
  project = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-import-"));
  for (const [id, files] of Object.entries(handWritten())) {
    const p = hostPaths(sandbox.dir, id);
    fs.writeFileSync(p.confFile, files.conf);
    fs.writeFileSync(p.keysFile, files.keys, { mode: 0o640 });
    if (files.sources) fs.writeFileSync(path.join(p.sourcesDir, "site.sources"), files.sources);
    execFileSync(p.serviceScript, ["restart"], { encoding: "utf8" });
  }
  for (const h of sandbox.hosts) before.set(h.id, { effective: liveEffective(h), pid: chronydPid(h) });
});

afterAll(async () => {
  await sandbox?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

describe("import --ssh of hand-written sandbox hosts, then cdktf deploy of the generated app", () => {
  it("imports every host over SSH: typed props, references between hosts, one NtpKey per shared key, keys in the key store", () => {
    const targets = sandbox.hosts.map((h) => h.address);
    const r = cli(["import", "--ssh", ...targets, "--sandbox", sandbox.dir, "--out", project, "--json"]);
    const out = JSON.parse(r.stdout);
    expect(out.reports.filter((x: { level: string }) => x.level === "error")).toEqual([]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(
      out.hosts.map((h: { name: string; profile: { layout: string }; sourcesPlacement: string }) => [h.name, h.profile.layout, h.sourcesPlacement]),
    ).toEqual([
      ["h1", "sandbox", "conf"],
      ["h2", "sandbox", "conf"],
      ["h3", "sandbox", "sourcedir"],
    ]);
    expect(out.links).toEqual([
      { from: "h2", to: "h1", kind: "server", at: `${hostPaths(sandbox.dir, "h2").confFile}:14` },
      { from: "h3", to: "h1", kind: "server", at: `${hostPaths(sandbox.dir, "h3").sourcesDir}/site.sources:1` },
    ]);
    expect(out.keys).toEqual([1, 2, 3]);
    expect(out.hosts[2].rawDirectives).toEqual([
      { at: `${hostPaths(sandbox.dir, "h3").confFile}:15`, line: "commandkey 3", why: expect.stringContaining("obsolete in chrony 4.3") },
    ]);
    expect(out.reports.filter((x: { level: string }) => x.level === "error")).toEqual([]);

    const main = fs.readFileSync(path.join(project, "main.ts"), "utf8");
    expect(main).toContain('const key1 = new NtpKey(stack, "key-1", { keyId: 1, type: "SHA1", source: KeySource.keyStore() }); // held by h1, h2');
    expect(main).toContain("h2.addServer(h1, { iburst: true, minPoll: 4, maxPoll: 6, key: key1 });");
    expect(main).toContain("profile: { ...HostProfiles.sandbox(");
    expect(main).toContain('sourcesFileName: "site.sources"');
    const store = path.join(project, ".chrony-keys");
    expect(fs.statSync(store).mode & 0o777).toBe(0o700);
    for (const id of [1, 2, 3]) expect(fs.statSync(path.join(store, `key-${id}.line`)).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(project, ".gitignore"), "utf8")).toContain(".chrony-keys/");
  });

  it("writes an app that compiles, whose chrony.conf chronyd reads as each host's hand-written one (no restart needed)", () => {
    fs.mkdirSync(path.join(project, "node_modules", "@types"), { recursive: true });
    fs.symlinkSync(ROOT, path.join(project, "node_modules", "cdktf-chrony"));
    for (const dep of ["cdktf", "constructs", "@types/node"])
      fs.symlinkSync(path.join(ROOT, "node_modules", dep), path.join(project, "node_modules", dep));
    const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", project], { encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
    const synth = spawnSync(process.execPath, [path.join(project, "dist/main.js")], {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, CDKTF_OUTDIR: path.join(project, "synth-check"), CDKTF_CHRONY_PROJECT_DIR: project },
    });
    expect(synth.status, synth.stderr).toBe(0);
    // The deploy-side check (lib/deploy/conf-equivalence) on each host's live file and the synthesized one.
    for (const { manifest } of readOutdir(path.join(project, "synth-check"))) {
      const staged = path.join(project, `${manifest.id}.staged.conf`);
      fs.writeFileSync(staged, manifest.files.find((f) => f.role === "conf")!.content);
      const parsed = (file: string) => spawnSync("/usr/sbin/chronyd", ["-p", "-f", file], { encoding: "utf8" }).stdout;
      expect(confEquivalence(parsed(manifest.profile.confPath), parsed(staged)), manifest.id).toEqual({
        equivalent: true,
        reason: "chronyd reads the new chrony.conf as the live one",
      });
    }
  });

  it("deploys with cdktf deploy; chronyd then applies exactly what it applied before, and drift is clean", () => {
    const run = spawnSync(
      path.join(ROOT, "node_modules/.bin/cdktf"),
      ["deploy", "--auto-approve", "--output", "cdktf.out", "--app", `node ${path.join(project, "dist/main.js")}`, "chrony"],
      {
        cwd: project,
        encoding: "utf8",
        env: { ...process.env, CHECKPOINT_DISABLE: "1", DISABLE_VERSION_CHECK: "1", CI: "1", CDKTF_CHRONY_PROJECT_DIR: project },
        timeout: 600_000,
      },
    );
    const output = stripAnsi(`${run.stdout}\n${run.stderr}`);
    logs.push(output);
    expect(run.status, output.slice(-3000)).toBe(0);
    expect(output).toContain("Apply complete! Resources: 3 added, 0 changed, 0 destroyed.");
    for (const h of sandbox.hosts) {
      expect(effectiveDifference(before.get(h.id)!.effective, liveEffective(h)), h.id).toEqual({ onlyFirst: [], onlySecond: [] });
    }
    const drift = cli(["drift", path.join(project, "cdktf.out"), "--json"]);
    const report = JSON.parse(drift.stdout);
    expect(report.hosts.map((h: { host: string; status: string; differences: unknown[] }) => [h.host, h.status, h.differences])).toEqual([
      ["h1", "clean", []],
      ["h2", "clean", []],
      ["h3", "clean", []],
    ]);
    expect(drift.status).toBe(0);
  });

  // Apply compares what chronyd -p makes of the live and the new chrony.conf, and skips the restart
  // when they mean the same (lib/deploy/conf-equivalence).
  it("kept chronyd running where only comments, whitespace and order differed (h1: same pid)", () => {
    expect(chronydPid(sandbox.hosts[0])).toBe(before.get("h1")!.pid);
  });

  it("checks host keys: an unknown host is refused in one line, and recorded only with --trust-on-first-use", () => {
    const knownHosts = path.join(project, "empty_known_hosts");
    fs.writeFileSync(knownHosts, "");
    const h1 = sandbox.hosts[0];
    const args = [
      "import",
      "--ssh",
      `root@${h1.address}:${h1.sshPort}`,
      "--identity",
      sandbox.controller.privateKeyPath,
      "--known-hosts",
      knownHosts,
    ];
    const refused = cli([...args, "--out", path.join(project, "tofu")]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(`^cdktf-chrony import: host key for ${h1.address.replace(/\./g, "\\.")}:${h1.sshPort} is not known .*enable trustOnFirstUse\n$`),
    );
    expect(fs.existsSync(path.join(project, "tofu", "main.ts"))).toBe(false);
    const trusted = cli([...args, "--trust-on-first-use", "--out", path.join(project, "tofu")]);
    expect(trusted.status).toBe(0);
    expect(trusted.stderr).toMatch(/^trusted on first use: ssh-ed25519 key SHA256:\S+ of 127\.0\.40\.11:2201, recorded in /);
    expect(fs.readFileSync(knownHosts, "utf8")).toContain("[127.0.40.11]:2201 ssh-ed25519 ");
  });

  it("keeps key material out of the generated code, cdktf.out, the Terraform state and every output", () => {
    const texts = [fs.readFileSync(path.join(project, "main.ts"), "utf8"), ...logs];
    const walk = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [fs.readFileSync(path.join(dir, e.name), "latin1")]));
    texts.push(...walk(path.join(project, "cdktf.out")));
    for (const f of fs.readdirSync(project).filter((f) => f.endsWith(".tfstate"))) texts.push(fs.readFileSync(path.join(project, f), "latin1"));
    const text = texts.join("\n");
    expect(text).toContain("hmac-sha256:");
    for (const m of MATERIAL) expect(text).not.toContain(m);
  });
});
