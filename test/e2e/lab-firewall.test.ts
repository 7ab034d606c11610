import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applySummaries, linkPackageInto, ROOT, stripAnsi } from "../helpers/cdktf";
import { CLI } from "../helpers/fleet";
import { labDown, startLab, type Lab } from "../support/lab/lab";

// examples/firewall deployed with real `cdktf deploy` to two lab hosts (Debian and RHEL layouts)
// whose own nftables policy drops by default and has other rules, with the controller on a network
// the lab routes to the hosts (198.18.8.0/24 → 198.19.8.0/24), so it can query chronyd's command
// port over UDP as a monitoring host would. Its own prefix and addresses: apart from lab-fleet.

const PREFIX = "ccfw";
const NETWORK = 8;
const APP = path.join(ROOT, "dist/examples/firewall/main.js");
const CDKTF = path.join(ROOT, "node_modules", ".bin", "cdktf");
const HOSTS = ["ntp-1", "ntp-2"];

/** The hosts' own firewall: default drop, SSH and replies allowed, a blocklist in another table. */
const HOST_POLICY = `table inet host_filter {
	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		ct state established,related accept
		tcp dport 22 accept
		meta l4proto icmp accept
	}
}
table ip host_blocklist {
	set banned {
		type ipv4_addr
		elements = { 203.0.113.9 }
	}
	chain input {
		type filter hook input priority filter - 5; policy accept;
		ip saddr @banned drop
	}
}
`;
/** What the hosts' administrator adds once so that what cdktf-chrony's table accepts gets through. */
const HAND_OFF = 'add rule inet host_filter input meta mark & 0x10000000 == 0x10000000 accept comment "chrony ports opened by cdktf-chrony"';

let lab: Lab;
let project: string;
let outdir: string;
const logs: string[] = [];

function deploy(env: NodeJS.ProcessEnv = {}) {
  const r = lab.run([CDKTF, "deploy", "--auto-approve", "--output", outdir, "--app", `node ${APP}`, "firewall"], {
    cwd: ROOT,
    env: { CHECKPOINT_DISABLE: "1", DISABLE_VERSION_CHECK: "1", CI: "1", CDKTF_CHRONY_LAB: lab.dir, CDKTF_CHRONY_PROJECT_DIR: project, ...env },
  });
  const output = stripAnsi(`${r.stdout}\n${r.stderr}`);
  logs.push(output);
  return { status: r.status, output };
}

/** The built CLI, run as the controller (inside its network namespace). */
function cli(args: readonly string[]) {
  const r = lab.run([process.execPath, CLI, ...args], { env: { CDKTF_CHRONY_PROJECT_DIR: project } });
  logs.push(r.stdout, r.stderr);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function inHost(id: string, script: string, input?: string): string {
  const r = lab.inHost(id, ["sh", "-c", script], input);
  if (r.status !== 0) throw new Error(`${id}: '${script}' failed: ${r.stderr}`);
  return r.stdout;
}

const address = (id: string) => lab.hosts.find((h) => h.id === id)!.address;
const status = (id: string) => cli(["status", address(id), "--timeout", "300"]);
const ourTable = (id: string) => lab.inHost(id, ["nft", "list", "table", "inet", "cdktf_chrony"]);

/** `nft list ruleset` without cdktf-chrony's table: the host's own rules, byte for byte. */
function hostRules(id: string): string {
  const text = inHost(id, "nft list ruleset");
  return text.replace(/^table inet cdktf_chrony \{\n(?:\t.*\n|\n)*?\}\n/m, "");
}

const confOf = (id: string) => inHost(id, `cat ${id === "ntp-2" ? "/etc/chrony.conf" : "/etc/chrony/chrony.conf"}`);

beforeAll(async () => {
  expect(execFileSync("terraform", ["version"], { encoding: "utf8" })).toMatch(/^Terraform v1\./);
  expect(spawnSync("nft", ["--version"]).status, "nft is installed (apt-get install nftables; .ci/run does it)").toBe(0);
  lab = await startLab({
    prefix: PREFIX,
    network: NETWORK,
    routed: true,
    hosts: [
      { id: "ntp-1", layout: "debian" },
      { id: "ntp-2", layout: "rhel" },
    ],
  });
  for (const id of HOSTS) inHost(id, "nft -f -", HOST_POLICY);
  project = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-fw-"));
  outdir = path.join(project, "cdktf.out");
  // The project's node_modules holds cdktf-chrony, as after `npm install cdktf-chrony`.
  linkPackageInto(project);
});

afterAll(async () => {
  // The hosts' tables live in their network namespaces: they go with them.
  await labDown(PREFIX, lab?.dir);
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

describe("Firewall.nftables() on lab hosts with a default-drop policy, monitored from the controller over UDP", () => {
  let baseline: Record<string, string>;

  it("without it, cmdAllow alone is not enough: chronyd listens on 323/udp, the host's policy drops the query", () => {
    const run = deploy({ FIREWALL_MANAGED: "off" });
    expect(run.status, run.output.slice(-3000)).toBe(0);
    expect(applySummaries(run.output)).toEqual({ "ntp-1": "restart ok", "ntp-2": "restart ok" });
    expect(inHost("ntp-1", "ss -Hlun 'sport = :323'")).toMatch(/0\.0\.0\.0:323/);
    const r = status("ntp-1");
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      "cdktf-chrony status: no reply from 198.19.8.11:323: is this address in cmdallow, bindcmdaddress not loopback-only, and UDP 323 open?",
    );
  });

  it("refuses, on a policy that does not accept cdktf-chrony's mark, with the one rule it needs; nothing changes on the hosts", () => {
    const before = Object.fromEntries(HOSTS.map((id) => [id, { conf: confOf(id), rules: inHost(id, "nft list ruleset") }]));
    const run = deploy();
    expect(run.status).not.toBe(0);
    expect(applySummaries(run.output)).toEqual({ "ntp-1": "none failed", "ntp-2": "none failed" });
    expect(run.output).toContain(
      "firewall failed: firewall: chain inet host_filter input drops what cdktf-chrony's table inet cdktf_chrony accepts (policy drop; in nftables an accept in one table does not override a drop in another): add 'meta mark & 0x10000000 == 0x10000000 accept' to it once, before anything that drops (cdktf-chrony marks only what chrony.conf serves), or leave the host's firewall unmanaged; nothing was changed",
    );
    for (const id of HOSTS) expect({ conf: confOf(id), rules: inHost(id, "nft list ruleset") }, id).toEqual(before[id]);
  });

  it("with the hand-off rule in the hosts' policy, opens 323/udp to the controller's network: status works from the controller", () => {
    for (const id of HOSTS) inHost(id, `nft '${HAND_OFF}'`);
    baseline = Object.fromEntries(HOSTS.map((id) => [id, hostRules(id)]));
    const run = deploy();
    expect(run.status, run.output.slice(-3000)).toBe(0);
    // chrony.conf already had cmdallow: only the firewall is loaded, chronyd keeps running.
    expect(applySummaries(run.output)).toEqual({ "ntp-1": "firewall ok", "ntp-2": "firewall ok" });
    for (const id of HOSTS) {
      const r = status(id);
      expect(r.status, `${id}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^Reference ID\s+: /m);
      expect(ourTable(id).stdout).toContain(
        'ip saddr 198.18.8.0/24 udp dport 323 meta mark set meta mark | 0x10000000 accept comment "cmd: cmdallow, bindcmdaddress"',
      );
      expect(hostRules(id), id).toBe(baseline[id]);
    }
    expect(cli(["drift", outdir]).status).toBe(0);
  });

  it("reports a rule deleted by hand (exit 2), and --heal loads the table again without restarting chronyd", () => {
    const handle = /udp dport 323 .* # handle (\d+)$/m.exec(inHost("ntp-1", "nft -a list table inet cdktf_chrony"))![1];
    inHost("ntp-1", `nft delete rule inet cdktf_chrony input handle ${handle}`);
    expect(status("ntp-1").status).toBe(1);
    const drift = cli(["drift", outdir, "--json"]);
    expect(drift.status, drift.stderr).toBe(2);
    const report = JSON.parse(drift.stdout);
    expect(report.summary).toEqual({ clean: 1, drift: 1, error: 0 });
    expect(report.hosts.find((h: { host: string }) => h.host === "ntp-1").differences).toEqual([
      {
        kind: "firewall-rules",
        subject: "table inet cdktf_chrony",
        detail: "table inet cdktf_chrony differs from its rules (changed by hand?): cmd rule removed",
      },
    ]);
    const pid = inHost("ntp-1", "cat /run/chrony/chronyd.pid");
    const heal = cli(["drift", outdir, "--heal", "--json"]);
    expect(heal.status, heal.stderr).toBe(0);
    expect(JSON.parse(heal.stdout).healed).toEqual([{ host: "ntp-1", action: "firewall", result: "ok", runtimeFixes: [], status: "clean" }]);
    expect(inHost("ntp-1", "cat /run/chrony/chronyd.pid")).toBe(pid);
    expect(status("ntp-1").status).toBe(0);
    for (const id of HOSTS) expect(hostRules(id), id).toBe(baseline[id]);
  });

  it("closes 323/udp again when cmdAllow is removed: status times out with a clear message, the hosts' rules unchanged", () => {
    const run = deploy({ FIREWALL_MONITORING: "off" });
    expect(run.status, run.output.slice(-3000)).toBe(0);
    expect(applySummaries(run.output)).toEqual({ "ntp-1": "restart+firewall ok", "ntp-2": "restart+firewall ok" });
    for (const id of HOSTS) {
      const r = status(id);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(
        `no reply from ${address(id)}:323: is this address in cmdallow, bindcmdaddress not loopback-only, and UDP 323 open?`,
      );
      const table = ourTable(id).stdout;
      expect(table).not.toContain("dport 323");
      expect(table).toContain("udp dport 123");
      expect(hostRules(id), id).toBe(baseline[id]);
    }
    expect(cli(["drift", outdir]).status).toBe(0);
  });

  it("removes its table and rules file when the firewall prop goes (drift says so first), chronyd untouched, the hosts' rules unchanged", () => {
    const env = { FIREWALL_MANAGED: "off", FIREWALL_MONITORING: "off" };
    const synth = lab.run([process.execPath, APP], {
      cwd: ROOT,
      env: { CDKTF_OUTDIR: outdir, CDKTF_CHRONY_LAB: lab.dir, CDKTF_CHRONY_PROJECT_DIR: project, ...env },
    });
    expect(synth.status, synth.stderr).toBe(0);
    const drift = cli(["drift", outdir, "--json"]);
    expect(drift.status, drift.stderr).toBe(2);
    for (const h of JSON.parse(drift.stdout).hosts as Array<{ host: string; differences: Array<{ kind: string; subject: string }> }>) {
      expect(
        h.differences.map((d) => [d.kind, d.subject]),
        h.host,
      ).toEqual([["firewall-retired", "/etc/chrony/cdktf-chrony.nft"]]);
    }
    const pids = Object.fromEntries(HOSTS.map((id) => [id, inHost(id, "cat /run/chrony/chronyd.pid")]));
    const run = deploy(env);
    expect(run.status, run.output.slice(-3000)).toBe(0);
    expect(applySummaries(run.output)).toEqual({ "ntp-1": "firewall ok", "ntp-2": "firewall ok" });
    for (const id of HOSTS) {
      expect(ourTable(id).status, id).not.toBe(0);
      expect(inHost(id, "ls /etc/chrony"), id).not.toContain("cdktf-chrony.nft");
      expect(inHost(id, "cat /run/chrony/chronyd.pid"), id).toBe(pids[id]);
      expect(hostRules(id), id).toBe(baseline[id]);
    }
    expect(cli(["drift", outdir]).status).toBe(0);
  });

  it("waits for synchronisation over SSH where the command port is closed, and says why the hosts are not: they serve their local clocks", () => {
    // 6 s: room for the first SSH poll of each host on a loaded machine (a try the deadline cuts off
    // is reported by the answer before it).
    const r = cli(["waitsync", outdir, "--timeout", "6", "--interval", "1"]);
    expect(r.status).toBe(1);
    for (const id of HOSTS)
      expect(r.stdout).toMatch(
        new RegExp(`^${id}\\s+no\\s+7F7F0101\\s.*\\sssh\\s+not synchronised: it serves its local clock \\(local reference\\)`, "m"),
      );
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(
      /^cdktf-chrony waitsync: 2 of 2 host\(s\) not synchronised: ntp-1: not synchronised after 6 s/,
    );
    const rtc = cli(["status", "--ssh", "ntp-2", "--rtc"]);
    expect(rtc.status, rtc.stderr).toBe(0);
    expect(rtc.stdout).toMatch(/^no RTC: chronyd on ntp-2 tracks no real-time clock/);
  });

  it("goes down completely: no namespace, process, table or folder of the lab is left", async () => {
    const pids = lab.hosts.map((h) => Number(fs.readFileSync(path.join(h.dir, "boot.pid"), "utf8")));
    await lab.down();
    expect(spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout).not.toContain(`${PREFIX}-`);
    for (const pid of pids) expect(fs.existsSync(`/proc/${pid}`), `pid ${pid}`).toBe(false);
    expect(fs.existsSync(lab.dir)).toBe(false);
    expect(spawnSync("nft", ["list", "tables"], { encoding: "utf8" }).stdout).not.toMatch(/cdktf_chrony|host_filter|host_blocklist/);
  });
});
