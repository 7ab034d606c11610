import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { command as sandboxCommand } from "../../../lib/cli/commands/sandbox";
import { sandboxDown, sandboxStatus, sandboxUp, type SandboxHost } from "../../../lib/sandbox";
import { hostPaths } from "../../../lib/sandbox/layout";
import { liveArgv } from "../../../lib/sandbox/proc";
import { lookupSystemUser } from "../../../lib/sandbox/system-user";
import { connectSsh } from "../../../lib/ssh";
import { startSandbox, type StartedSandbox } from "../../helpers/sandbox";

// 127.0.2.x: apart from the other integration files' sandboxes.
const FIRST_ADDRESS = "127.0.2.11";

let sandbox: StartedSandbox;
let chronyUid: number;
let chronyGid: number;

const paths = (id: string) => hostPaths(sandbox.dir, id);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function chronyc(id: string, ...args: string[]): string {
  return execFileSync("chronyc", ["-n", "-c", "-h", paths(id).socket, ...args], { encoding: "utf8", timeout: 10_000 });
}

function uidOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
}

async function pidsOf(): Promise<Record<string, { sshd: number; chronyd: number }>> {
  const status = await sandboxStatus(sandbox.dir, { tracking: false });
  return Object.fromEntries(status.hosts.map((h) => [h.id, { sshd: h.sshd.pid!, chronyd: h.chronyd.pid! }]));
}

async function ssh(host: SandboxHost) {
  return connectSsh({
    host: host.address,
    port: host.sshPort,
    privateKeyPath: sandbox.controller.privateKeyPath,
    hostKey: { knownHostsPath: sandbox.controller.knownHostsPath },
  });
}

function capture() {
  const out = { stdout: "", stderr: "" };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
}

beforeAll(async () => {
  const user = await lookupSystemUser("_chrony");
  chronyUid = user.uid;
  chronyGid = user.gid;
  sandbox = await startSandbox({ hosts: 3, firstAddress: FIRST_ADDRESS });
});

afterAll(async () => {
  await sandbox?.stop();
});

describe("a sandbox of 3 hosts", () => {
  it("runs an sshd (root) and a chronyd (dropped to _chrony) per host", async () => {
    const status = await sandboxStatus(sandbox.dir);
    expect(status.healthy).toBe(true);
    for (const host of status.hosts) {
      expect(uidOf(host.sshd.pid!)).toBe(0);
      expect(uidOf(host.chronyd.pid!)).toBe(chronyUid);
      expect(readFileSync(paths(host.id).pidFile, "utf8").trim()).toBe(String(host.chronyd.pid));
      expect(readFileSync(paths(host.id).sshdPidFile, "utf8").trim()).toBe(String(host.sshd.pid));
    }
    expect(status.hosts[0].tracking).toMatchObject({ refId: "7F7F0101", stratum: 8 });
  });

  it("records the layout the sandbox profile relies on", () => {
    const d = sandbox.dir;
    expect(JSON.parse(readFileSync(path.join(d, "sandbox.json"), "utf8"))).toEqual({
      hosts: [1, 2, 3].map((i) => ({
        id: `h${i}`,
        address: `127.0.2.${10 + i}`,
        sshPort: 2200 + i,
        cmdPort: 11300 + i,
        ntpPort: 11100 + i,
        root: `${d}/hosts/h${i}/root`,
      })),
      controller: { user: "root", privateKeyPath: `${d}/controller/id_ed25519`, knownHostsPath: `${d}/controller/known_hosts` },
    });
    expect(statSync(`${d}/controller/id_ed25519`).mode & 0o777).toBe(0o600);
    const knownHosts = readFileSync(`${d}/controller/known_hosts`, "utf8").trim().split("\n");
    expect(knownHosts.map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual([
      "[127.0.2.11]:2201 ssh-ed25519",
      "[127.0.2.12]:2202 ssh-ed25519",
      "[127.0.2.13]:2203 ssh-ed25519",
    ]);
    const p = paths("h2");
    const keys = statSync(p.keysFile);
    expect([keys.uid, keys.gid, keys.mode & 0o777, keys.size]).toEqual([0, chronyGid, 0o640, 0]);
    const run = statSync(p.runDir);
    expect([run.uid, run.gid, run.mode & 0o777]).toEqual([chronyUid, chronyGid, 0o750]);
    for (const dir of [p.varLibDir, p.logDir]) expect(statSync(dir).uid).toBe(chronyUid);
    expect(existsSync(p.socket)).toBe(true);
    expect(statSync(p.serviceScript).mode & 0o777).toBe(0o755);
    expect(readFileSync(p.confFile, "utf8")).toMatch(/\nserver 127\.0\.2\.11 port 11101 iburst\n$/);
    expect(readdirSync(p.sourcesDir)).toEqual([]);
    const sshdConfig = readFileSync(p.sshdConfig, "utf8");
    for (const line of [
      "ListenAddress 127.0.2.12:2202",
      `HostKey ${p.hostKey}`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "UsePAM no",
      `AuthorizedKeysFile ${d}/controller/authorized_keys`,
      "StrictModes no",
      "X11Forwarding no",
      "AllowAgentForwarding no",
    ]) {
      expect(sshdConfig.split("\n")).toContain(line);
    }
  });

  it("writes confs that chronyd -p accepts", () => {
    for (const host of sandbox.hosts) {
      const printed = execFileSync("/usr/sbin/chronyd", ["-p", "-f", paths(host.id).confFile], { encoding: "utf8" });
      expect(printed).toContain(`bindcmdaddress ${paths(host.id).socket}`);
    }
  });

  it("lets h2 and h3 reach h1 over NTP", async () => {
    const h1 = sandbox.hosts[0].address;
    const reach = (id: string) => {
      const line = chronyc(id, "sources")
        .split("\n")
        .find((l) => l.split(",")[2] === h1);
      return line ? Number(line.split(",")[5]) : 0;
    };
    const deadline = Date.now() + 20_000;
    while ((reach("h2") === 0 || reach("h3") === 0) && Date.now() < deadline) await sleep(500);
    expect(reach("h2")).toBeGreaterThan(0);
    expect(reach("h3")).toBeGreaterThan(0);
  });

  it("lets chronyc rekey reread the keys file after chronyd dropped root", () => {
    const p = paths("h2");
    writeFileSync(p.keysFile, "1 SHA1 HEX:0123456789ABCDEF0123456789ABCDEF01234567\n");
    expect(execFileSync("chronyc", ["-h", p.socket, "rekey"], { encoding: "utf8" }).trim()).toBe("200 OK");
    expect(readFileSync(p.chronydLog, "utf8")).not.toMatch(/Could not open keyfile/);
  });

  it("leaves a running sandbox alone on a second up", async () => {
    const before = await pidsOf();
    const again = await sandboxUp({ dir: sandbox.dir });
    expect(again.alreadyRunning).toBe(true);
    expect(again.reports.every((r) => r.sshd === "running" && r.chronyd === "running" && !r.created)).toBe(true);
    expect(await pidsOf()).toEqual(before);
  });

  it("restarts a chronyd that was killed", async () => {
    const before = await pidsOf();
    process.kill(before.h3.chronyd, "SIGKILL");
    for (let i = 0; i < 100 && (await liveArgv(before.h3.chronyd)) !== undefined; i++) await sleep(50);
    expect((await sandboxStatus(sandbox.dir)).healthy).toBe(false);

    const up = await sandboxUp({ dir: sandbox.dir });
    expect(up.alreadyRunning).toBe(false);
    expect(up.reports.find((r) => r.id === "h3")).toMatchObject({ chronyd: "started", sshd: "running" });
    const after = await pidsOf();
    expect(after.h3.chronyd).not.toBe(before.h3.chronyd);
    expect({ ...after, h3: undefined }).toEqual({ ...before, h3: undefined });
    expect(chronyc("h3", "tracking")).toMatch(/^[0-9A-F]{8},/);
  });

  it("runs the service script over SSH: restart changes the pid, stop and status agree", async () => {
    const host = sandbox.hosts[1];
    const script = paths(host.id).serviceScript;
    const session = await ssh(host);
    try {
      const before = (await pidsOf()).h2.chronyd;
      const restart = await session.exec([script, "restart"], { timeoutMs: 30_000 });
      expect(restart).toMatchObject({ code: 0, stderr: "" });
      const after = (await pidsOf()).h2.chronyd;
      expect(after).not.toBe(before);
      expect(restart.stdout).toBe(`chronyd stopped (pid ${before})\nchronyd started (pid ${after})\n`);
      expect((await session.exec(["chronyc", "-h", paths(host.id).socket, "-c", "tracking"])).code).toBe(0);

      expect(await session.exec([script, "status"])).toMatchObject({ code: 0, stdout: `chronyd running (pid ${after})\n` });
      expect((await session.exec([script, "stop"])).code).toBe(0);
      expect(await session.exec([script, "status"])).toMatchObject({ code: 3, stdout: "chronyd not running\n" });
      expect(await session.exec([script, "start"])).toMatchObject({ code: 0 });
      expect(await session.exec([script, "start"])).toMatchObject({ code: 0, stdout: expect.stringMatching(/already running/) });
      expect((await session.exec([script, "bogus"])).code).toBe(2);
    } finally {
      await session.close();
    }
  });

  it("reports chronyd's own error when it cannot start", async () => {
    const p = paths("h3");
    const conf = readFileSync(p.confFile, "utf8");
    writeFileSync(p.confFile, `${conf}notadirective 1\n`);
    try {
      execFileSync(p.serviceScript, ["restart"], { encoding: "utf8", stdio: "pipe" });
      expect.unreachable("restart should fail");
    } catch (err) {
      const e = err as { status: number; stderr: string };
      expect(e.status).toBe(1);
      expect(e.stderr).toBe(`chrony-service: chronyd failed to start: Invalid directive at line 15 in file ${p.confFile}\n`);
    } finally {
      writeFileSync(p.confFile, conf);
    }
    const up = await sandboxUp({ dir: sandbox.dir });
    expect(up.reports.find((r) => r.id === "h3")).toMatchObject({ chronyd: "started" });
  });

  it("grows to 4 hosts without touching the others", async () => {
    const before = await pidsOf();
    const up = await sandboxUp({ dir: sandbox.dir, hosts: 4 });
    expect(up.reports.map((r) => [r.id, r.created, r.sshd, r.chronyd])).toEqual([
      ["h1", false, "running", "running"],
      ["h2", false, "running", "running"],
      ["h3", false, "running", "running"],
      ["h4", true, "started", "started"],
    ]);
    const after = await pidsOf();
    expect({ ...after, h4: undefined }).toEqual(before);
    expect(readFileSync(sandbox.controller.knownHostsPath, "utf8").trim().split("\n")).toHaveLength(4);
    const session = await ssh(up.hosts[3]);
    expect((await session.exec(["id", "-u"])).stdout).toBe("0\n");
    await session.close();
  });

  it("refuses to shrink or to move to another address range", async () => {
    await expect(sandboxUp({ dir: sandbox.dir, hosts: 2 })).rejects.toThrow(/has 4 hosts and 'up' does not remove hosts \(asked for 2\)/);
    await expect(sandboxUp({ dir: sandbox.dir, firstAddress: "127.0.3.11" })).rejects.toThrow(/starts at 127.0.2.11, not 127.0.3.11/);
  });

  it("prints hosts as JSON and as a table from the CLI", async () => {
    const json = capture();
    expect(await sandboxCommand.run(["up", "--dir", sandbox.dir, "--json"], json.io)).toBe(0);
    const parsed = JSON.parse(json.out.stdout);
    expect(parsed.hosts).toHaveLength(4);
    expect(Object.keys(parsed.hosts[0])).toEqual(["id", "address", "sshPort", "cmdPort", "ntpPort", "root"]);
    expect(json.out.stderr).toMatch(/already running/);

    const status = capture();
    expect(await sandboxCommand.run(["status", "--dir", sandbox.dir], status.io)).toBe(0);
    expect(status.out.stdout.split("\n")[0]).toMatch(/^ID\s+ADDRESS\s+SSH\s+SSHD\s+CHRONYD/);
    expect(status.out.stdout).toMatch(/h1\s+127\.0\.2\.11\s+2201\s+running \(\d+\)\s+running \(\d+\)\s+local clock\s+8/);

    await expect(sandboxCommand.run(["up", "--dir", sandbox.dir, "--hosts", "two"], capture().io)).rejects.toThrow(/invalid --hosts 'two'/);
    await expect(sandboxCommand.run(["restart"], capture().io)).rejects.toThrow(/unknown action 'restart'/);
  });

  it("stops exactly the recorded processes on down, and keeps the files", async () => {
    const before = await pidsOf();
    const down = await sandboxDown(sandbox.dir);
    expect(down.purged).toBe(false);
    expect(down.hosts.map((h) => [h.id, h.sshd.state, h.chronyd.state])).toEqual([
      ["h1", "stopped", "stopped"],
      ["h2", "stopped", "stopped"],
      ["h3", "stopped", "stopped"],
      ["h4", "stopped", "stopped"],
    ]);
    for (const { sshd, chronyd } of Object.values(before)) {
      expect(await liveArgv(sshd)).toBeUndefined();
      expect(await liveArgv(chronyd)).toBeUndefined();
    }
    expect(existsSync(path.join(sandbox.dir, "sandbox.json"))).toBe(true);
    const status = await sandboxStatus(sandbox.dir);
    expect(status.hosts.every((h) => !h.sshd.running && !h.chronyd.running)).toBe(true);

    const again = await sandboxDown(sandbox.dir);
    expect(again.hosts.every((h) => h.sshd.state === "not-running" && h.chronyd.state === "not-running")).toBe(true);
  });

  it("comes back up after down, keeping what deploys wrote", async () => {
    const p = paths("h2");
    const conf = `${readFileSync(p.confFile, "utf8")}# deployed\n`;
    writeFileSync(p.confFile, conf);
    const up = await sandboxUp({ dir: sandbox.dir });
    expect(up.reports.every((r) => r.sshd === "started" && r.chronyd === "started")).toBe(true);
    expect(readFileSync(p.confFile, "utf8")).toBe(conf);
    expect(readFileSync(p.keysFile, "utf8")).toMatch(/^1 SHA1/);
  });
});

describe("sandbox preconditions", () => {
  it("fails without root, saying how to fix it", async () => {
    const spy = vi.spyOn(process, "getuid").mockReturnValue(1000);
    try {
      await expect(sandboxUp({ dir: "/tmp/never", hosts: 1 })).rejects.toThrow(/sandbox up needs root.*run it with sudo/);
      await expect(sandboxDown("/tmp/never")).rejects.toThrow(/sandbox down needs root/);
    } finally {
      spy.mockRestore();
    }
  });

  it("fails on a folder that _chrony cannot enter", async () => {
    const closed = mkdtempSync(path.join(tmpdir(), "ccsc-"));
    try {
      await expect(sandboxUp({ dir: path.join(closed, "s"), hosts: 1, firstAddress: "127.0.4.11" })).rejects.toThrow(
        new RegExp(`folder ${closed} \\(mode 0700\\) cannot be entered by '_chrony'.*chmod o\\+x`),
      );
    } finally {
      rmSync(closed, { recursive: true, force: true });
    }
  });

  it("fails on a folder that holds other things, so that down --purge never removes them", async () => {
    const busy = mkdtempSync(path.join(tmpdir(), "ccsd-"));
    writeFileSync(path.join(busy, "precious.txt"), "keep me");
    try {
      await expect(sandboxUp({ dir: busy, hosts: 1, firstAddress: "127.0.4.11" })).rejects.toThrow(
        /is not empty and holds no sandbox \(no sandbox.json\)/,
      );
      expect(existsSync(path.join(busy, "sandbox.json"))).toBe(false);
    } finally {
      rmSync(busy, { recursive: true, force: true });
    }
  });

  it("fails on down where there is no sandbox", async () => {
    await expect(sandboxDown(path.join(tmpdir(), "no-such-sandbox"))).rejects.toThrow(/no sandbox in .*no-such-sandbox/);
    await expect(sandboxStatus(tmpdir())).rejects.toThrow(/no sandbox in .*no sandbox.json/);
  });

  it("purges the folder with down --purge", async () => {
    const small = await startSandbox({ hosts: 1, firstAddress: "127.0.4.11" });
    const pids = await sandboxStatus(small.dir, { tracking: false });
    const io = capture();
    expect(await sandboxCommand.run(["down", "--dir", small.dir, "--purge"], io.io)).toBe(0);
    expect(io.out.stdout).toBe(`stopped 2 process(es) of 1 host(s) and removed ${small.dir}\n`);
    expect(existsSync(small.dir)).toBe(false);
    expect(await liveArgv(pids.hosts[0].chronyd.pid!)).toBeUndefined();
    expect(await liveArgv(pids.hosts[0].sshd.pid!)).toBeUndefined();
  });
});
