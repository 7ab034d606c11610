import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostProfiles } from "../../constructs";
import { readOutdir } from "../../lib/deploy/outdir";
import type { HostManifest } from "../../lib/manifest";
import { sudoersLine } from "../../lib/ssh/sudo-entry";
import { LAB_FLEET } from "../support/lab/fleet";
import { labDown, startLab, type Lab } from "../support/lab/lab";
import { LAB_SERVICE } from "../support/lab/layout";
import { applySummaries, linkPackageInto, ROOT, stripAnsi } from "../helpers/cdktf";
import { CLI, storedKeyMaterial } from "../helpers/fleet";
import { materialForms, readTree } from "../helpers/synth";

// The lab's namespaces are named PREFIX-*: apart from any other lab on the machine.
const PREFIX = "ccl-e2e";
const APP = path.join(ROOT, "dist/examples/fleet/main.js");
const CDKTF = path.join(ROOT, "node_modules", ".bin", "cdktf");

let lab: Lab;
let project: string;
let outdir: string;
const logs: string[] = [];

/** Real `cdktf deploy` of examples/fleet, run as the controller: inside its network namespace. */
function deploy(extraEnv: NodeJS.ProcessEnv = {}) {
  linkPackageInto(project);
  const r = lab.run([CDKTF, "deploy", "--auto-approve", "--output", outdir, "--app", `node ${APP}`, "fleet"], {
    cwd: ROOT,
    env: {
      CHECKPOINT_DISABLE: "1",
      DISABLE_VERSION_CHECK: "1",
      CI: "1",
      CDKTF_CHRONY_LAB: lab.dir,
      CDKTF_CHRONY_PROJECT_DIR: project,
      ...extraEnv,
    },
  });
  const output = stripAnsi(`${r.stdout}\n${r.stderr}`);
  logs.push(output);
  return { status: r.status, output };
}

/** The built CLI, run as the controller. */
function cli(args: readonly string[]) {
  const r = lab.run([process.execPath, CLI, ...args], { env: { CDKTF_CHRONY_PROJECT_DIR: project } });
  logs.push(r.stdout, r.stderr);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function inHost(id: string, script: string): string {
  const r = lab.inHost(id, ["sh", "-c", script]);
  if (r.status !== 0) throw new Error(`${id}: '${script}' failed: ${r.stderr}`);
  return r.stdout.trim();
}

const chronydPid = (id: string) => inHost(id, "cat /run/chrony/chronyd.pid");
const confPath = (id: string) => (LAB_FLEET.find((h) => h.id === id)!.layout === "rhel" ? "/etc/chrony.conf" : "/etc/chrony/chrony.conf");
const address = (id: string) => lab.hosts.find((h) => h.id === id)!.address;
/** Connections the bastion's sshd accepted so far (its log: "Accepted publickey for jump from ..."). */
const bastionLogins = () =>
  (fs.readFileSync(path.join(lab.dir, "hosts", "bastion", "log", "sshd.log"), "utf8").match(/Accepted publickey for jump /g) ?? []).length;

beforeAll(async () => {
  expect(execFileSync("terraform", ["version"], { encoding: "utf8" })).toMatch(/^Terraform v1\./);
  lab = await startLab({ prefix: PREFIX, hosts: LAB_FLEET });
  project = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-lab-"));
  outdir = path.join(project, "cdktf.out");
});

afterAll(async () => {
  await labDown(PREFIX, lab?.dir);
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

describe("the lab: stock-layout hosts reachable only through a bastion", () => {
  it("refuses a direct connection from the controller to a host behind the bastion; through it, the same host answers", () => {
    const key = lab.controller.privateKeyPath;
    const known = lab.controller.knownHostsPath;
    const direct = cli(["status", "--ssh", `deploy@${address("server-a")}`, "--identity", key, "--known-hosts", known, "--ssh-config", "none"]);
    expect(direct.status).toBe(1);
    expect(direct.stderr.trim().split("\n")).toHaveLength(1);
    expect(direct.stderr).toMatch(/timed out .*198\.19\.0\.11:22/);

    const jumped = cli([
      "status",
      "--ssh",
      `deploy@${address("server-a")}`,
      "--jump",
      `jump@${lab.bastion.address}`,
      "--identity",
      key,
      "--known-hosts",
      known,
    ]);
    expect(jumped.status, jumped.stderr).toBe(0);
    expect(jumped.stdout).toMatch(/^Reference ID\s+:/m);
  });

  it("reads the controller's ~/.ssh/config (ProxyJump, User, IdentityFile, UserKnownHostsFile) for a host named by alias", () => {
    const r = cli(["status", "--ssh", "server-b", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tracking).toHaveProperty("stratum");
  });
});

describe("cdktf deploy of examples/fleet to the lab, through the bastion, as a user with sudo", () => {
  it("deploys all five hosts with the stock Debian and RHEL profiles (but for the service commands) and every host verifies", () => {
    const machineConf = fs.readFileSync("/etc/chrony/chrony.conf");
    const run = deploy();
    expect(run.status, run.output.slice(-3000)).toBe(0);
    expect(run.output).toContain("Apply complete! Resources: 5 added, 0 changed, 0 destroyed.");
    // The Debian clients' chrony.conf means the same as the stock one the lab starts them with: no
    // restart (their sources are new: reload sources). The servers' differs; so does RHEL's, which
    // gains the managed sourcedir line.
    expect(applySummaries(run.output)).toEqual({
      "server-a": "restart ok",
      "server-b": "restart ok",
      "client-1": "rekey+reload-sources ok",
      "client-2": "rekey+reload-sources ok",
      "client-3": "restart ok",
    });

    const manifests: Record<string, HostManifest> = Object.fromEntries(readOutdir(outdir).map(({ manifest }) => [manifest.id, manifest]));
    for (const { id, layout } of LAB_FLEET) {
      const m = manifests[id];
      expect(m.profile, id).toEqual({ ...(layout === "rhel" ? HostProfiles.rhel() : HostProfiles.debian()), service: LAB_SERVICE });
      expect(m.target).toMatchObject({ address: address(id), user: "deploy", sudo: true, jump: [{ address: lab.bastion.address, user: "jump" }] });
    }
    // chrony's files at their stock paths, owned as the distributions own them; chronyd runs as _chrony.
    expect(inHost("server-a", "stat -c '%a %U:%G' /etc/chrony/chrony.conf /etc/chrony/chrony.keys")).toBe("644 root:root\n640 root:_chrony");
    expect(inHost("server-b", "stat -c '%a %U:%G' /etc/chrony.conf /etc/chrony.keys /etc/chrony/sources.d/cdktf-chrony.sources")).toBe(
      "644 root:root\n640 root:chrony\n644 root:root",
    );
    expect(inHost("client-3", "ps -o user= -p $(cat /run/chrony/chronyd.pid)")).toBe("_chrony");
    // Every login on the hosts came from the bastion's inner address, as the deploy user.
    expect(inHost("client-1", "grep 'Accepted publickey' /var/log/sshd.log | sed 's/.* for \\(\\S*\\) from \\(\\S*\\) .*/\\1 \\2/' | sort -u")).toBe(
      `deploy ${lab.bastion.innerAddress}`,
    );
    // The machine's own chrony files are untouched.
    expect(fs.readFileSync("/etc/chrony/chrony.conf").equals(machineConf)).toBe(true);
    expect(fs.existsSync("/etc/chrony.conf")).toBe(false);

    const verify = cli(["verify", outdir, "--json"]);
    const report = JSON.parse(verify.stdout);
    const problems = JSON.stringify(report.hosts.map((h: { host: string; problems: string[] }) => [h.host, h.problems]));
    expect(
      report.hosts.map((h: { host: string; result: string; transport: string }) => [h.host, h.result, h.transport]),
      problems,
    ).toEqual([
      ["client-1", "verified", "ssh"],
      ["client-2", "verified", "ssh"],
      ["client-3", "verified", "ssh"],
      ["server-a", "verified", "ssh"],
      ["server-b", "verified", "ssh"],
    ]);
    for (const h of report.hosts) {
      for (const s of h.sources) expect(s, `${h.host} ${s.name}`).toMatchObject({ ok: true, authenticated: true });
      if (h.host.startsWith("client")) expect(h.synchronised).toBe(true);
    }
    expect(verify.status).toBe(0);
  });

  it("changes only the clients' sources with reload sources: chronyd keeps running (same pid)", () => {
    const before = Object.fromEntries(["client-1", "client-2", "client-3"].map((id) => [id, chronydPid(id)]));
    const run = deploy({ FLEET_CLIENT_MAXPOLL: "7" });
    expect(run.status, run.output.slice(-3000)).toBe(0);
    expect(applySummaries(run.output)).toEqual({ "client-1": "reload-sources ok", "client-2": "reload-sources ok", "client-3": "reload-sources ok" });
    for (const id of Object.keys(before)) {
      expect(chronydPid(id), id).toBe(before[id]);
      expect(inHost(id, "grep -c 'maxpoll 7' /etc/chrony/sources.d/cdktf-chrony.sources"), id).toBe("2");
    }
  });

  it("rekeys the servers when the peer key's material changes: chrony.keys only, chronyd keeps running", () => {
    const before = { "server-a": chronydPid("server-a"), "server-b": chronydPid("server-b") };
    fs.rmSync(path.join(project, ".chrony-keys", "key-1.line"));
    const run = deploy({ FLEET_CLIENT_MAXPOLL: "7" });
    expect(run.status, run.output.slice(-3000)).toBe(0);
    expect(applySummaries(run.output)).toEqual({ "server-a": "rekey ok", "server-b": "rekey ok" });
    expect(chronydPid("server-a")).toBe(before["server-a"]);
    expect(chronydPid("server-b")).toBe(before["server-b"]);
    const verify = cli(["verify", outdir, "--host", "server-b", "--json"]);
    expect(verify.status, verify.stdout).toBe(0);
    expect(JSON.parse(verify.stdout).hosts[0].sources).toEqual([expect.objectContaining({ kind: "peer", ok: true, authenticated: true })]);
  });

  it("finds no drift over one bastion connection for all five hosts", () => {
    const logins = bastionLogins();
    const drift = cli(["drift", outdir, "--json"]);
    expect(drift.status, drift.stdout + drift.stderr).toBe(0);
    expect(JSON.parse(drift.stdout).summary).toEqual({ clean: 5, drift: 0, error: 0 });
    expect(bastionLogins() - logins).toBe(1);
  });

  it("finds a hand edit on a RHEL host (exit 2), heals it, and then finds nothing", () => {
    inHost("client-3", `echo 'maxslewrate 500' >> ${confPath("client-3")}`);
    const drift = cli(["drift", outdir, "--json"]);
    expect(drift.status).toBe(2);
    const report = JSON.parse(drift.stdout);
    expect(report.summary).toEqual({ clean: 4, drift: 1, error: 0 });
    expect(report.hosts.find((h: { host: string }) => h.host === "client-3").differences).toEqual([
      {
        kind: "file-changed",
        subject: "/etc/chrony.conf",
        detail: "/etc/chrony.conf differs from the deployed version (edited on the host?): maxslewrate added",
      },
    ]);

    const heal = cli(["drift", outdir, "--heal", "--json"]);
    expect(heal.status, heal.stderr).toBe(0);
    expect(JSON.parse(heal.stdout).healed).toEqual([{ host: "client-3", action: "restart", result: "ok", runtimeFixes: [], status: "clean" }]);
    expect(inHost("client-3", `grep -c maxslewrate ${confPath("client-3")} || true`)).toBe("0");
    expect(cli(["drift", outdir]).status).toBe(0);
  });

  it("says in one line that sudo wants a password, names the sudoers line, and changes nothing", () => {
    const status = cli(["status", "--ssh", "ops@client-1"]);
    expect(status.status).toBe(1);
    expect(status.stderr.trim().split("\n")).toHaveLength(1);
    expect(status.stderr).toContain("sudo on 198.19.0.13:22 refused to run cdktf-chrony's command as root for ops (sudo: a password is required)");

    // The same host's manifest as ops, with a sources change that would need applying.
    const [entry] = readOutdir(outdir).filter(({ manifest }) => manifest.id === "client-1");
    const m = entry.manifest;
    const changed: HostManifest = {
      ...m,
      target: { ...m.target, user: "ops" },
      files: m.files.map((f) => (f.role === "sources" ? { ...f, content: `${f.content}server 198.19.0.99 iburst\n` } : f)),
    };
    const file = path.join(project, "client-1-as-ops.json");
    fs.writeFileSync(file, JSON.stringify(changed));
    const sources = () => inHost("client-1", "sha256sum /etc/chrony/sources.d/cdktf-chrony.sources; ls /etc/chrony");
    const before = { sources: sources(), pid: chronydPid("client-1") };
    const apply = cli(["apply", file]);
    expect(apply.status).toBe(1);
    const summary = apply.stdout.trim();
    expect(summary.split("\n")).toHaveLength(1);
    expect(summary).toContain("sudo on 198.19.0.13:22 refused to run cdktf-chrony's command as root for ops (sudo: a password is required)");
    expect(summary).toContain(sudoersLine("ops"));
    expect(summary).toContain("nothing was changed on the host");
    expect(summary).toMatch(/^client-1 \(198\.19\.0\.13:22\) none failed in [\d.]+ s: connect failed: sudo on /);
    expect({ sources: sources(), pid: chronydPid("client-1") }).toEqual(before);
  });

  it("keeps key material out of Terraform state, cdktf.out and every output", () => {
    const state = fs.readFileSync(path.join(lab.dir, "terraform.fleet.tfstate"), "latin1");
    const text = [state, readTree(outdir), ...logs].join("\n");
    expect(text).toContain("hmac-sha256:");
    for (const id of [1, 2]) {
      for (const form of materialForms(storedKeyMaterial(project, id))) expect(text).not.toContain(form);
    }
  });

  it("goes down completely: no namespace, process or folder of the lab is left", async () => {
    const pids = lab.hosts.map((h) => Number(fs.readFileSync(path.join(h.dir, "boot.pid"), "utf8")));
    await lab.down();
    expect(spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout).not.toContain(`${PREFIX}-`);
    for (const pid of pids) expect(fs.existsSync(`/proc/${pid}`), `pid ${pid}`).toBe(false);
    expect(fs.existsSync(lab.dir)).toBe(false);
  });
});
