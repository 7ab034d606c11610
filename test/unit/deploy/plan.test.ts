import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyHost, ApplyOptions } from "../../../lib/deploy/apply";
import { checkDrift } from "../../../lib/deploy/drift";
import { planHost } from "../../../lib/deploy/plan";
import type { HostManifest } from "../../../lib/manifest";
import { planMarkdown, planSentence, planText } from "../../../lib/report/plan-report";
import { FAKE_KEY_ENV, FakeHost, fakeManifest, makeFakeHost } from "../../support/fake-host";
import { LocalSession } from "../../support/local-session";

// `plan` against a host in a temporary folder: the real survey program under sh with stub chronyd,
// chronyc and service (see remote-programs.test.ts), read by the real controller code.

let host: FakeHost;
let sessions: LocalSession[];

beforeEach(() => {
  host = makeFakeHost();
  sessions = [];
});

afterEach(async () => {
  for (const s of sessions) s.cut();
  await Promise.all(sessions.map((s) => s.settled()));
  host.remove();
});

const connect: ApplyOptions["connect"] = async () => {
  const s = new LocalSession(host.env);
  sessions.push(s);
  return s;
};

const plan = (m: HostManifest, lockWaitSeconds = 5) => planHost(m, { projectDir: host.dir, connect, lockWaitSeconds });
const v1 = () => fakeManifest(host, { servers: ["192.0.2.1"], keyIds: [1] });
const snapshot = () => ["etc/chrony/chrony.conf", "etc/chrony/sources.d/cdktf-chrony.sources", "etc/chrony/chrony.keys"].map((f) => host.read(f));

async function deployed(m = v1()): Promise<void> {
  const lines: string[] = [];
  const r = await applyHost(m, { log: (l) => lines.push(l), projectDir: host.dir, lockWaitSeconds: 5, connect });
  expect(r.result, lines.join("\n")).toBe("ok");
}

/** Nothing on the host changed: files, chronyd's pid, no chronyc or service call but reads, nothing left behind. */
async function expectReadOnly(run: () => Promise<unknown>): Promise<void> {
  const files = snapshot();
  const pid = host.pid();
  const calls = host.calls().length;
  await run();
  expect(snapshot()).toEqual(files);
  expect(host.pid()).toBe(pid);
  // Only reads: is chronyd running, and its sources (plain and named) and ntpdata.
  expect(
    host
      .calls()
      .slice(calls)
      .filter((c) => !/^(service status|chronyc( -\S+)* (sources|ntpdata)( -\S+)*)$/.test(c)),
  ).toEqual([]);
  expect(host.leftovers()).toEqual([]);
}

describe("plan: what apply would do, read without changing the host", () => {
  it("on a new host: every file created, and a restart", async () => {
    await expectReadOnly(async () => {
      const p = await plan(v1());
      expect(p).toMatchObject({ status: "change", action: "restart", reason: "chrony.conf: new file" });
      expect(p.files.map((f) => [f.role, f.change])).toEqual([
        ["conf", "create"],
        ["sources", "create"],
        ["keys", "create"],
      ]);
      expect(p.files[1].added).toEqual(["server 192.0.2.1 iburst"]);
    });
  });

  it("nothing once deployed", async () => {
    await deployed();
    const p = await plan(v1());
    expect(p).toMatchObject({ status: "unchanged", action: "none", files: [], notes: [] });
  });

  it("a new server: reload sources, with the line that comes", async () => {
    await deployed();
    await expectReadOnly(async () => {
      const p = await plan(fakeManifest(host, { servers: ["192.0.2.1", "192.0.2.2"], keyIds: [1] }));
      expect(p).toMatchObject({ status: "change", action: "reload-sources", reason: "sources: server 192.0.2.2 added" });
      expect(p.files).toEqual([
        expect.objectContaining({
          role: "sources",
          change: "content",
          summary: "server 192.0.2.2 added",
          removed: [],
          added: ["server 192.0.2.2 iburst"],
        }),
      ]);
    });
  });

  it("a changed directive in chrony.conf: a restart, saying which directive", async () => {
    await deployed(fakeManifest(host, { servers: ["192.0.2.1"], keyIds: [1], makestep: { thresholdSeconds: 1, limit: 3 } }));
    const p = await plan(fakeManifest(host, { servers: ["192.0.2.1"], keyIds: [1], makestep: { thresholdSeconds: 0.5, limit: 3 } }));
    expect(p).toMatchObject({ action: "restart", reason: "chrony.conf: makestep changed" });
    expect(p.files[0]).toMatchObject({ role: "conf", removed: ["makestep 1 3"], added: ["makestep 0.5 3"] });
    expect(planSentence([p])).toBe("1 host restarts (chrony.conf: makestep changed)");
  });

  it("new key material: rekey, by keyed fingerprint, never showing the material", async () => {
    await deployed();
    const old = process.env[FAKE_KEY_ENV(1)];
    process.env[FAKE_KEY_ENV(1)] = `HEX:${"ab".repeat(20)}`;
    try {
      const m = v1();
      const p = await plan(m);
      expect(p).toMatchObject({ status: "change", action: "rekey" });
      expect(p.files).toEqual([
        expect.objectContaining({
          role: "keys",
          change: "content",
          summary: expect.stringMatching(/^key 1 has different material on the host \(fingerprint hmac-sha256:/),
        }),
      ]);
      expect(p.files[0].added).toBeUndefined();
      const everything = [JSON.stringify(p), planText([p]), planMarkdown([p])].join("\n").toLowerCase();
      for (const material of ["ab".repeat(20), old!.slice(4).toLowerCase()]) expect(everything).not.toContain(material);
    } finally {
      process.env[FAKE_KEY_ENV(1)] = old;
    }
  });

  it("a wrong mode: fixed in place, chronyd untouched", async () => {
    await deployed();
    fs.chmodSync(host.file("etc/chrony/chrony.keys"), 0o644);
    const p = await plan(v1());
    expect(p).toMatchObject({ status: "change", action: "none", reason: "only chrony.keys mode differ: fixed in place" });
    expect(p.files).toEqual([expect.objectContaining({ role: "keys", change: "mode", summary: "mode 644 → 640" })]);
  });

  it("a stopped chronyd: start", async () => {
    await deployed();
    host.unflag("running");
    expect(await plan(v1())).toMatchObject({ status: "change", action: "start", reason: "files match the manifest but chronyd is not running" });
  });

  it("keys the app does not declare: apply would stop, and the plan says so without their material", async () => {
    fs.writeFileSync(host.file("etc/chrony/chrony.keys"), "7 SHA1 HEX:0707070707070707070707070707070707070707\n");
    const p = await plan(v1());
    expect(p.status).toBe("blocked");
    expect(p.reason).toContain("holds key(s) 7 that the app does not declare: apply would stop");
    expect(JSON.stringify(p)).not.toContain("0707");
  });

  it("waits for an apply in progress (the host's lock), and says so when it does not end", async () => {
    await deployed();
    const lock = `${host.profile.confPath}.cdktf-chrony.lock`;
    const holder = spawn("sh", ["-c", `exec 9>>"$0"; flock 9; printf 'run other, pid %s, since now\\n' $$ > "$0"; echo locked; sleep 2`, lock], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    const exited = new Promise((resolve) => holder.once("close", resolve));
    await new Promise<void>((resolve) => holder.stdout!.once("data", () => resolve()));
    const busy = await plan(v1(), 1);
    expect(busy).toMatchObject({ status: "error", error: expect.stringMatching(/^an apply holds the host \(run other, pid \d+, since now\)/) });
    expect((await plan(v1(), 10)).status).toBe("unchanged");
    await exited;
  });
});

describe("drift, from the same survey", () => {
  it("says which lines a hand edit changed", async () => {
    await deployed();
    fs.appendFileSync(host.file("etc/chrony/chrony.conf"), "maxslewrate 500\n");
    const drift = await checkDrift(v1(), { projectDir: host.dir, connect });
    expect(drift.differences).toEqual([
      {
        kind: "file-changed",
        subject: host.file("etc/chrony/chrony.conf"),
        detail: `${host.file("etc/chrony/chrony.conf")} differs from the deployed version (edited on the host?): maxslewrate added`,
      },
    ]);
  });
});

describe("plan: the firewall's table", () => {
  const served = (cmdAllow: string[]) => fakeManifest(host, { servers: ["192.0.2.1"], firewall: true, bindCmdAddresses: ["0.0.0.0"], cmdAllow });

  it("shows the rules that change and the action, a table changed by hand, and stops where a host chain would drop what it opens", async () => {
    await deployed(served(["198.18.8.0/24"]));
    const closing = await plan(served([]));
    expect(closing).toMatchObject({ status: "change", action: "restart+firewall" });
    expect(closing.files.find((f) => f.role === "firewall")).toMatchObject({ change: "content", summary: "cmd rule removed" });
    expect(planSentence([closing])).toBe("1 host restarts (chrony.conf: cmdallow 198.18.8.0/24 removed; firewall: cmd rule removed)");

    fs.writeFileSync(`${host.state}/nft-table`, "table inet cdktf_chrony {\n}\n");
    const byHand = await plan(served(["198.18.8.0/24"]));
    expect(byHand).toMatchObject({ status: "change", action: "firewall", files: [] });
    expect(planSentence([byHand])).toBe("1 host loads firewall rules only");

    fs.writeFileSync(
      `${host.state}/ruleset.json`,
      JSON.stringify({ nftables: [{ chain: { family: "ip", table: "filter", name: "input", hook: "input", prio: 0, policy: "drop" } }] }),
    );
    const blocked = await plan(served(["198.18.8.0/24"]));
    expect(blocked.status).toBe("blocked");
    expect(blocked.reason).toMatch(
      /^apply would stop: chain ip filter input drops what cdktf-chrony's table inet cdktf_chrony accepts \(policy drop;/,
    );
  });
});
