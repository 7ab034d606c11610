import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyHost, ApplyOptions, ApplyResult } from "../../../lib/deploy/apply";
import { checkDrift } from "../../../lib/deploy/drift";
import { planHost } from "../../../lib/deploy/plan";
import { basePreamble, newRun, programSource } from "../../../lib/deploy/remote-program";
import type { HostManifest } from "../../../lib/manifest";
import { SshError } from "../../../lib/ssh/errors";
import { FakeHost, fakeManifest, makeFakeHost } from "../../support/fake-host";
import { LocalSession } from "../../support/local-session";

// The programs apply, recover and survey run on a host, run here under sh with stub chronyd,
// chronyc and service commands (no root, no sshd), driven by the real controller code through a
// local "session". Every branch of the transaction, and every way it can be interrupted.

let host: FakeHost;
let sessions: LocalSession[];
let lines: string[];

beforeEach(() => {
  host = makeFakeHost();
  sessions = [];
  lines = [];
});

afterEach(async () => {
  for (const s of sessions) s.cut();
  await Promise.all(sessions.map((s) => s.settled()));
  host.remove();
});

/** A connector that opens a local session; `onSession` sees each one (to cut it). */
function connector(onSession?: (s: LocalSession) => void): ApplyOptions["connect"] {
  return async () => {
    const s = new LocalSession(host.env);
    sessions.push(s);
    onSession?.(s);
    return s;
  };
}

function apply(manifest: HostManifest, options: Partial<ApplyOptions> = {}): Promise<ApplyResult> {
  return applyHost(manifest, { log: (l) => lines.push(l), projectDir: host.dir, lockWaitSeconds: 5, connect: connector(), ...options });
}

const v1 = () => fakeManifest(host, { servers: ["192.0.2.1"], keyIds: [1] });
const v2sources = () => fakeManifest(host, { servers: ["192.0.2.1", "192.0.2.2"], keyIds: [1] });
const v2conf = () => fakeManifest(host, { servers: ["192.0.2.1"], keyIds: [1], maxUpdateSkewPpm: 50 });
const snapshot = () => ["etc/chrony/chrony.conf", "etc/chrony/sources.d/cdktf-chrony.sources", "etc/chrony/chrony.keys"].map((f) => host.read(f));
const live = () => fs.readFileSync(`${host.state}/live`, "utf8");

async function deployed(): Promise<void> {
  const r = await apply(v1());
  expect(r.result, lines.join("\n")).toBe("ok");
  lines = [];
}

describe("apply: the transaction", () => {
  it("writes the files with their mode, restarts chronyd, commits, and leaves nothing but the lock", async () => {
    const r = await apply(v1());
    expect(r).toMatchObject({ result: "ok", action: "restart", changed: ["conf", "sources", "keys"] });
    expect(host.read("etc/chrony/sources.d/cdktf-chrony.sources")).toContain("\nserver 192.0.2.1 iburst\n");
    expect(fs.statSync(host.file("etc/chrony/chrony.keys")).mode & 0o777).toBe(0o640);
    expect(host.leftovers()).toEqual([]);
    expect(live()).toBe("server 192.0.2.1 iburst\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        "[fake] read: changed: chrony.conf, cdktf-chrony.sources, chrony.keys; chronyd running",
        "[fake] plan: restart (chrony.conf changed (makestep is re-armed by the restart))",
        "[fake] validate: chronyd -p accepts the new configuration",
        "[fake] verify: chronyd answers; 1 of 1 sources configured",
        "[fake] done: restart",
      ]),
    );
  });

  it("creates a missing sourcedir (RHEL has no /etc/chrony) readable by chronyd's user: 0755", async () => {
    fs.rmSync(host.file("etc/chrony/sources.d"), { recursive: true });
    const r = await apply(v1());
    expect(r.result, lines.join("\n")).toBe("ok");
    expect((fs.statSync(host.file("etc/chrony/sources.d")).mode & 0o777).toString(8)).toBe("755");
  });

  it("does nothing on a second run, and reloads only sources when only sources changed (twice before chrony 4.5)", async () => {
    await deployed();
    expect((await apply(v1())).result).toBe("unchanged");
    const pid = host.pid();
    const before = host.calls().length;
    const r = await apply(v2sources());
    expect(r).toMatchObject({ result: "ok", action: "reload-sources", changed: ["sources"] });
    expect(
      host
        .calls()
        .slice(before)
        .filter((c) => c.includes("reload sources")),
    ).toHaveLength(2);
    expect(host.pid()).toBe(pid);
  });

  it("starts a stopped chronyd whose files match (chronyc shutdown, say)", async () => {
    await deployed();
    fs.rmSync(`${host.state}/running`);
    const r = await apply(v1());
    expect(r, lines.join("\n")).toMatchObject({ result: "ok", action: "start", changed: [] });
    expect(host.running()).toBe(true);
    expect(host.calls()).toContain("service start");
  });

  it("fixes a wrong mode in place without touching chronyd, and reports the fix", async () => {
    await deployed();
    fs.chmodSync(host.file("etc/chrony/chrony.keys"), 0o644);
    const calls = host.calls().length;
    const r = await apply(v1());
    expect(r).toMatchObject({ result: "ok", action: "none", changed: [] });
    expect(fs.statSync(host.file("etc/chrony/chrony.keys")).mode & 0o777).toBe(0o640);
    expect(lines).toContain(`[fake] fix: mode and owner of ${host.file("etc/chrony/chrony.keys")}`);
    expect(
      host
        .calls()
        .slice(calls)
        .filter((c) => c.startsWith("service restart") || c.includes("rekey")),
    ).toEqual([]);
  });

  it("swaps in a chrony.conf that chronyd reads as the live one without restarting chronyd", async () => {
    await deployed();
    const pid = host.pid();
    const m = v1();
    // Other comments and another order: the same configuration to chronyd.
    const reordered = m.files.map((f) =>
      f.role === "conf" ? { ...f, content: `# edited by hand\n${f.content.split("\n").filter(Boolean).reverse().join("\n")}\n` } : f,
    );
    const r = await apply({ ...m, files: reordered });
    expect(r).toMatchObject({ result: "ok", action: "none", changed: ["conf"] });
    expect(host.pid()).toBe(pid);
    expect(host.read("etc/chrony/chrony.conf")).toMatch(/^# edited by hand\n/);
    expect(lines).toContain("[fake] plan: none (chronyd reads the new chrony.conf as the live one: no restart)");
    // A real change still restarts.
    const changed = await apply(v2conf());
    expect(changed).toMatchObject({ result: "ok", action: "restart" });
  });

  it("stops before the swap when chronyd -p refuses the config: files unchanged, nothing left", async () => {
    await deployed();
    const before = snapshot();
    const bad = v2conf();
    const r = await apply({ ...bad, files: bad.files.map((f) => (f.role === "conf" ? { ...f, content: `${f.content}invalid-directive 1\n` } : f)) });
    expect(r).toMatchObject({ result: "failed", failedStep: "validate" });
    expect(r.error).toMatch(/^chronyd -p rejected the new configuration: Fatal error : Invalid directive at line 1/);
    expect(snapshot()).toEqual(before);
    expect(host.leftovers()).toEqual([]);
    expect(lines).toContain("[fake] nothing was changed on the host");
  });

  it.each([
    ["a reload that fails", "fail-reload", v2sources, "reload", "chronyc reload sources failed: 501 Not authorised"],
    ["a restart that fails", "fail-restart", v2conf, "reload", "chronyd restart failed: chronyd: simulated start failure"],
  ])("rolls back %s: previous files back, chronyd running them, backups gone", async (_name, flag, next, step, error) => {
    await deployed();
    const before = snapshot();
    host.flag(flag);
    const r = await apply(next());
    expect(r).toMatchObject({ result: "rolled-back", failedStep: step, error });
    expect(snapshot()).toEqual(before);
    expect(host.running()).toBe(true);
    expect(live()).toBe("server 192.0.2.1 iburst\n");
    expect(host.leftovers()).toEqual([]);
  });

  it("rolls back when chronyd does not list a configured source (the controller's verdict)", async () => {
    await deployed();
    const before = snapshot();
    const m = v2sources();
    const r = await apply({ ...m, verify: { ...m.verify, sources: [...m.verify.sources, { kind: "server", name: "192.0.2.77", nts: false }] } });
    expect(r).toMatchObject({ result: "rolled-back", failedStep: "verify", error: "verification failed: chronyd does not list server 192.0.2.77" });
    expect(snapshot()).toEqual(before);
    expect(live()).toBe("server 192.0.2.1 iburst\n");
  });

  it("cannot be fooled by names the host controls: a sources file named to forge markers is reported base64-encoded", async () => {
    await deployed();
    fs.writeFileSync(host.file("etc/chrony/sources.d/zz\nDONE\n@x DONE\n.sources"), "");
    const bad = v2conf();
    const r = await apply({ ...bad, files: bad.files.map((f) => (f.role === "conf" ? { ...f, content: `${f.content}invalid-directive 1\n` } : f)) });
    expect(r.result).toBe("failed");
    expect(r.warnings).toContain(
      `${host.file("etc/chrony/sources.d/zz\nDONE\n@x DONE\n.sources")} is not managed by cdktf-chrony but chronyd loads it from the sourcedir: move its sources into the app`,
    );
  });
});

describe("apply: keys already on an adopted host", () => {
  const foreign = "# keys from before\n7 SHA1 HEX:0707070707070707070707070707070707070707\n";

  it("refuses undeclared keys by default, naming their IDs and the prop, and changes nothing", async () => {
    fs.writeFileSync(host.file("etc/chrony/chrony.keys"), foreign);
    const r = await apply(v1());
    expect(r).toMatchObject({ result: "failed", failedStep: "adopt" });
    expect(r.error).toContain(`holds key(s) 7 that the app does not declare: set undeclaredKeys: "keep" (carry them over) or "remove" on host fake`);
    expect(r.error).not.toContain("0707");
    expect(host.read("etc/chrony/chrony.keys")).toBe(foreign);
    expect(host.leftovers()).toEqual([]);
  });

  it("keeps them below a marker when asked, and a second run changes nothing", async () => {
    fs.writeFileSync(host.file("etc/chrony/chrony.keys"), foreign);
    const m = fakeManifest(host, { servers: ["192.0.2.1"], keyIds: [1], undeclaredKeys: "keep" });
    expect((await apply(m)).result).toBe("ok");
    const keys = host.read("etc/chrony/chrony.keys")!;
    expect(keys).toMatch(/^# Managed by cdktf-chrony\./);
    expect(keys).toMatch(/^1 SHA1 HEX:/m);
    expect(keys).toContain('# Kept from the host before cdktf-chrony managed this file (undeclaredKeys: "keep"):\n7 SHA1 HEX:07');
    expect((await apply(m)).result).toBe("unchanged");
    expect((await checkDrift(m, { projectDir: host.dir, connect: connector() })).status).toBe("clean");
  });

  it("removes them when asked; a key the app retired is dropped without asking", async () => {
    fs.writeFileSync(host.file("etc/chrony/chrony.keys"), foreign);
    expect((await apply(fakeManifest(host, { servers: ["192.0.2.1"], keyIds: [1, 2], undeclaredKeys: "remove" }))).result).toBe("ok");
    expect(host.read("etc/chrony/chrony.keys")).not.toMatch(/^7 /m);
    const r = await apply(fakeManifest(host, { servers: ["192.0.2.1"], keyIds: [1] }));
    expect(r).toMatchObject({ result: "ok", action: "rekey" });
    expect(host.read("etc/chrony/chrony.keys")).not.toMatch(/^2 /m);
  });
});

describe("apply: NTS certificates, keys and trust", () => {
  const server = (names: string[] = []) => fakeManifest(host, { servers: ["192.0.2.1"], ntsServer: { names } });
  const client = (authority?: string) => fakeManifest(host, { ntsServers: ["192.0.2.10", "192.0.2.11"], ntsAuthority: authority });
  const nts = (f: string) => host.read(`etc/chrony/nts/${f}`);
  const mode = (f: string) => (fs.statSync(host.file(f)).mode & 0o777).toString(8);

  it("writes a server's certificate 0644 and its key 0640 with the keys file's owner, in a folder chronyd can read, and restarts", async () => {
    const m = server();
    const r = await apply(m);
    expect(r, lines.join("\n")).toMatchObject({ result: "ok", action: "restart", changed: ["conf", "sources", "nts-cert", "keys", "nts-key"] });
    expect(nts("server.crt")).toBe(m.files.find((f) => f.role === "nts-cert")!.content);
    expect(nts("server.key")).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect([mode("etc/chrony/nts"), mode("etc/chrony/nts/server.crt"), mode("etc/chrony/nts/server.key")]).toEqual(["755", "644", "640"]);
    expect(host.read("etc/chrony/chrony.conf")).toContain(
      `ntsserverkey ${host.file("etc/chrony/nts/server.key")}\nntsservercert ${host.file("etc/chrony/nts/server.crt")}\n`,
    );
    expect(host.leftovers()).toEqual([]);
    expect((await apply(m)).result).toBe("unchanged");
    expect((await checkDrift(m, { projectDir: host.dir, connect: connector() })).status).toBe("clean");
  });

  it("restarts (never rekey) for a re-issued certificate: chronyd 4.3 loads the certificate and key only at start", async () => {
    await apply(server());
    const before = host.pid();
    const r = await apply(server(["ntp.example.test"]));
    expect(r).toMatchObject({ result: "ok", action: "restart", changed: ["nts-cert", "nts-key"] });
    expect(lines).toContain(
      "[fake] plan: restart (the NTS server certificate or key changed: chronyd loads them only at start (clients keep their cookies))",
    );
    expect(host.pid()).toBe(before + 1);
  });

  it("stops before connecting when the key does not match the certificate, or the certificate lacks a client's name", async () => {
    const m = server();
    const other = fakeManifest(host, { servers: ["192.0.2.1"], ntsServer: { names: ["renamed.example.test"] } });
    // m's certificate with the key store's newer key (issued for `other`): a synth since then re-issued it.
    const stale = await apply(m);
    expect(stale).toMatchObject({ result: "failed", failedStep: "certificates" });
    expect(stale.error).toMatch(/the key store holds a key issued after this synth .*: run synth again; nothing was written to the host$/);
    const entry = other.nts!.certificates[0];
    const lacking = { ...other, nts: { ...other.nts!, certificates: [{ ...entry, requiredNames: [...entry.requiredNames, "192.0.2.99"] }] } };
    const r = await apply(lacking);
    expect(r).toMatchObject({ result: "failed", failedStep: "certificates" });
    expect(r.error).toContain("the certificate does not name 192.0.2.99, which its clients use");
    expect(r.error).not.toMatch(/PRIVATE KEY|[A-Za-z0-9+/]{60}/);
    expect(host.read("etc/chrony/chrony.conf")).toBeUndefined();
  });

  it("trusts the CA, and a change of trusted CAs drops the NTS sources' cookies and restarts, so NTS-KE runs under the new trust now", async () => {
    const first = await apply(client());
    expect(first, lines.join("\n")).toMatchObject({ result: "ok", action: "restart+nts-ke" });
    expect(lines).toContain("[fake] verify: NTS established with 2 source(s)");
    expect(host.read("etc/chrony/chrony.conf")).toContain(`ntstrustedcerts ${host.file("etc/chrony/nts/trusted-cas.pem")}\n`);
    fs.writeFileSync(host.file("var/lib/chrony/192.0.2.10.nts"), "saved cookies\n");
    const calls = host.calls().length;
    const r = await apply(client("next-ca"));
    expect(r).toMatchObject({ result: "ok", action: "restart+nts-ke", changed: ["nts-ca"] });
    const after = host.calls().slice(calls);
    expect(after.filter((c) => c.startsWith("chronyc delete") || c === "service restart")).toEqual([
      "chronyc delete 192.0.2.10",
      "chronyc delete 192.0.2.11",
      "service restart",
    ]);
    expect(fs.existsSync(host.file("var/lib/chrony/192.0.2.10.nts"))).toBe(false);
  });

  it("rolls back a trust change whose NTS-KE fails, with the reason, and restarts chronyd on the previous CAs", async () => {
    await apply(client());
    const before = nts("trusted-cas.pem");
    host.flag("nts-fail");
    const r = await apply(client("next-ca"));
    expect(r).toMatchObject({ result: "rolled-back", failedStep: "verify", action: "restart+nts-ke" });
    expect(r.error).toMatch(
      /^verification failed: server 192\.0\.2\.10 uses NTS but NTS-KE failed \(1 attempt, no cookies\): check that its certificate is issued by a CA this host trusts/,
    );
    expect(nts("trusted-cas.pem")).toBe(before);
    expect(host.calls().filter((c) => c === "service restart").length).toBeGreaterThanOrEqual(3);
    expect(host.leftovers()).toEqual([]);
  });
});

describe("drift: NTS", () => {
  it("finds a replaced server key by keyed fingerprint, and warns, then fails, as a certificate nears its end", async () => {
    const m = fakeManifest(host, { servers: ["192.0.2.1"], ntsServer: {} });
    expect((await apply(m)).result).toBe("ok");
    const notAfter = Date.parse(m.nts!.certificates[0].notAfter);
    const at = (daysBefore: number) => new Date(notAfter - daysBefore * 86_400_000);
    const renew = await checkDrift(m, { projectDir: host.dir, connect: connector(), now: at(20) });
    expect(renew.status).toBe("clean");
    expect(renew.warnings).toEqual([
      expect.stringMatching(
        /^NTS certificate \S+server\.crt \(CN=127\.0\.0\.1\) expires in 20 day\(s\) .*, within renewBeforeDays 30: the next synth re-issues it \(app\/test-ca\); deploy then$/,
      ),
    ]);
    const hard = await checkDrift(m, { projectDir: host.dir, connect: connector(), now: at(3) });
    expect(hard.differences.map((d) => d.kind)).toEqual(["certificate-expiring"]);
    const expired = await checkDrift(m, { projectDir: host.dir, connect: connector(), now: at(-1) });
    expect(expired.differences.map((d) => d.kind)).toEqual(["certificate-expired"]);
    const { generateKeyPairSync } = await import("node:crypto");
    fs.writeFileSync(
      host.file("etc/chrony/nts/server.key"),
      generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "pkcs8", format: "pem" }),
    );
    const drift = await checkDrift(m, { projectDir: host.dir, connect: connector() });
    expect(drift.differences).toEqual([
      expect.objectContaining({
        kind: "nts-key",
        detail: expect.stringMatching(/^the NTS server key \S+ differs from the deployed one \(fingerprint hmac-sha256:/),
      }),
    ]);
  });

  it("reports an NTS source whose NTS-KE failed as unauthenticated, with the reason", async () => {
    const m = fakeManifest(host, { ntsServers: ["192.0.2.10"] });
    expect((await apply(m)).result).toBe("ok");
    host.flag("nts-fail");
    const drift = await checkDrift(m, { projectDir: host.dir, connect: connector() });
    expect(drift.differences).toEqual([
      expect.objectContaining({
        kind: "source-unauthenticated",
        detail: expect.stringMatching(/^server 192\.0\.2\.10 uses NTS but NTS-KE failed \(1 attempt, no cookies\)/),
      }),
    ]);
  });
});

describe("apply: interrupted at every step", () => {
  const steps = ["stage", "validate", "swap", "reload", "verify"] as const;

  it.each(steps)("the controller disappears at %s: the host stops or rolls back by itself", async (step) => {
    await deployed();
    const before = snapshot();
    let session: LocalSession | undefined;
    // Cut the connection the moment the controller hears of the step, before it reads anything more.
    const r = await apply(v2conf(), {
      connect: connector((s) => {
        session ??= s;
      }),
      log: (l) => {
        lines.push(l);
        if (l.startsWith(`[fake] ${STEP_LOGS[step]}`)) session!.cut();
      },
    });
    await session!.settled();
    expect(["failed", "rolled-back"]).toContain(r.result);
    expect(snapshot()).toEqual(before);
    expect(host.running()).toBe(true);
    expect(host.leftovers()).toEqual([]);
  });

  it.each(steps)("the program is killed (SIGKILL) at %s: the journal stays, drift reports it, the next apply finishes it", async (step) => {
    await deployed();
    const before = snapshot();
    host.flag("fault", `${step} kill\n`);
    // The controller's own recovery cannot connect either: what is left is for drift and the next apply.
    let connects = 0;
    const r = await apply(v2conf(), {
      faultHook: host.hook,
      connect: async (m, o) => {
        if (++connects > 1) throw new SshError("CONNECTION_REFUSED", "cannot connect to localhost:22: connection refused");
        return connector()!(m, o);
      },
    });
    expect(r.result).toBe("failed");
    expect(r.error).toMatch(/ROLLBACK INCOMPLETE|nothing was changed/);
    host.unflag("fault");
    const drift = await checkDrift(v2conf(), { projectDir: host.dir, connect: connector() });
    expect(drift.status).toBe("drift");
    expect(drift.differences.map((d) => d.kind)).toContain("interrupted-apply");
    const next = await apply(v2conf());
    expect(next.result, lines.join("\n")).toBe("ok");
    expect(lines.some((l) => /recover: run \w+ was rolled back/.test(l))).toBe(true);
    expect(host.leftovers()).toEqual([]);
    expect((await checkDrift(v2conf(), { projectDir: host.dir, connect: connector() })).status).toBe("clean");
    void before;
  });

  it.each(steps)("the program is terminated (SIGTERM) at %s: it rolls back before it exits", async (step) => {
    await deployed();
    const before = snapshot();
    host.flag("fault", `${step} term\n`);
    const r = await apply(v2conf(), { faultHook: host.hook });
    expect(["failed", "rolled-back"]).toContain(r.result);
    expect(r.error).toContain("interrupted by signal TERM on the host");
    expect(snapshot()).toEqual(before);
    expect(host.leftovers()).toEqual([]);
    expect(host.running()).toBe(true);
  });

  it("a step that hangs past the timeout: the host kills the run, a second connection rolls it back", async () => {
    await deployed();
    const before = snapshot();
    host.flag("fault", "reload hang\n");
    const r = await apply(v2conf(), { faultHook: host.hook, timeoutSeconds: 2 });
    expect(r.result).toBe("rolled-back");
    expect(r.error).toMatch(/did not finish within 2000 ms and was killed during reload; rolled back by recovery/);
    expect(snapshot()).toEqual(before);
    expect(host.leftovers()).toEqual([]);
  });
});

describe("the host's lock", () => {
  it("makes a second apply wait, then fail naming the run that holds it; it proceeds once the lock is free", async () => {
    await deployed();
    // Another run holds the lock: write its holder line and keep the lock for 3 s.
    const lock = `${host.profile.confPath}.cdktf-chrony.lock`;
    const holder = spawn("sh", ["-c", `exec 9>>"$0"; flock 9; printf 'run other, pid %s, since now\\n' $$ > "$0"; echo locked; sleep 3`, lock], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    const holderExit = new Promise((resolve) => holder.once("close", resolve));
    await new Promise<void>((resolve) => holder.stdout!.once("data", () => resolve()));
    const busy = await apply(v2sources(), { lockWaitSeconds: 1 });
    expect(busy).toMatchObject({ result: "failed", failedStep: "lock" });
    expect(busy.error).toMatch(/^another run holds the host \(run other, pid \d+, since now\) and did not finish within 1 s/);
    const waited = await apply(v2sources(), { lockWaitSeconds: 10 });
    expect(waited).toMatchObject({ result: "ok", action: "reload-sources" });
    await holderExit;
  });
});

describe("apply and drift: the firewall's table", () => {
  // A host that serves chronyc to 198.18.8.0/24 (and NTP to 198.19.8.0/24), its firewall managed.
  const served = (extra: Parameters<typeof fakeManifest>[1] = {}) =>
    fakeManifest(host, {
      servers: ["192.0.2.1"],
      firewall: true,
      bindCmdAddresses: ["0.0.0.0"],
      cmdAllow: ["198.18.8.0/24"],
      allow: ["198.19.8.0/24"],
      ...extra,
    });
  const closed = () => fakeManifest(host, { servers: ["192.0.2.1"], firewall: true, bindCmdAddresses: ["0.0.0.0"], allow: ["198.19.8.0/24"] });
  const rulesFile = () => host.read("etc/chrony/cdktf-chrony.nft");
  const cmdRule = 'ip saddr 198.18.8.0/24 udp dport 323 meta mark set meta mark | 0x10000000 accept comment "cmd: cmdallow, bindcmdaddress"';
  const dropPolicy = (withHandOff: boolean) =>
    JSON.stringify({
      nftables: [
        { chain: { family: "inet", table: "filter", name: "input", type: "filter", hook: "input", prio: 0, policy: "drop" } },
        {
          rule: {
            family: "inet",
            table: "filter",
            chain: "input",
            expr: [{ match: { op: "==", left: { payload: { protocol: "tcp", field: "dport" } }, right: 22 } }, { accept: null }],
          },
        },
        ...(withHandOff
          ? [
              {
                rule: {
                  family: "inet",
                  table: "filter",
                  chain: "input",
                  expr: [{ match: { op: "==", left: { "&": [{ meta: { key: "mark" } }, 0x10000000] }, right: 0x10000000 } }, { accept: null }],
                },
              },
            ]
          : []),
      ],
    });

  it("writes the rules file, checks it with nft -c before the swap, loads it after chronyd's action, and a second run changes nothing", async () => {
    const m = served();
    const r = await apply(m);
    expect(r, lines.join("\n")).toMatchObject({ result: "ok", action: "restart+firewall", changed: ["conf", "sources", "firewall", "keys"] });
    expect(rulesFile()).toContain(`\t\t${cmdRule}\n`);
    expect(rulesFile()).toContain('ip saddr 198.19.8.0/24 udp dport 123 meta mark set meta mark | 0x10000000 accept comment "ntp: allow"');
    expect(host.nftTable()).toMatch(/^table inet cdktf_chrony \{\n/);
    expect(host.nftTable()).toContain(cmdRule);
    const calls = host.calls();
    const at = (prefix: string) => calls.findIndex((c) => c.startsWith(prefix));
    expect(at("nft -c -f ")).toBeGreaterThan(-1);
    expect(at("nft -c -f ")).toBeLessThan(at("service restart"));
    expect(at("service restart")).toBeLessThan(calls.findIndex((c) => c.startsWith("nft -f ") && c.endsWith("cdktf-chrony.nft")));
    expect(lines).toEqual(
      expect.arrayContaining(["[fake] validate: nft -c on the new firewall rules", "[fake] firewall: loading the firewall rules (nft -f)"]),
    );
    expect(host.leftovers()).toEqual([]);
    expect((await apply(m)).result).toBe("unchanged");
    expect((await checkDrift(m, { projectDir: host.dir, connect: connector() })).status).toBe("clean");
  });

  it("closes the command port when cmdAllow goes: the rule leaves the table with the restart that drops cmdallow", async () => {
    await apply(served());
    const r = await apply(closed());
    expect(r).toMatchObject({ result: "ok", action: "restart+firewall", changed: ["conf", "firewall"] });
    expect(host.nftTable()).not.toContain("udp dport 323");
    expect(host.nftTable()).toContain("udp dport 123");
  });

  it("loads only the firewall when only its rules change (another mark): chronyd is not touched", async () => {
    await apply(served());
    const pid = host.pid();
    const m = served();
    const remarked = {
      ...m,
      firewall: { ...m.firewall!, mark: 0x20 },
      files: m.files.map((f) => (f.role === "firewall" ? { ...f, content: f.content.replaceAll("0x10000000", "0x00000020") } : f)),
    };
    const r = await apply(remarked);
    expect(r, lines.join("\n")).toMatchObject({ result: "ok", action: "firewall", changed: ["firewall"] });
    expect(host.pid()).toBe(pid);
    expect(host.nftTable()).toContain("meta mark | 0x00000020 accept");
  });

  it("reports a rule deleted by hand as drift, by service, and an apply loads the table again without touching chronyd", async () => {
    const m = served();
    await apply(m);
    fs.writeFileSync(`${host.state}/nft-table`, host.nftTable()!.replace(`\t\t${cmdRule}\n`, ""));
    const drift = await checkDrift(m, { projectDir: host.dir, connect: connector() });
    expect(drift.differences).toEqual([
      {
        kind: "firewall-rules",
        subject: "table inet cdktf_chrony",
        detail: "table inet cdktf_chrony differs from its rules (changed by hand?): cmd rule removed",
      },
    ]);
    const pid = host.pid();
    const r = await apply(m);
    expect(r).toMatchObject({ result: "ok", action: "firewall", changed: [] });
    expect(lines).toContain(
      "[fake] plan: firewall (firewall: table inet cdktf_chrony on the host differs from its rules file (changed by hand, or the host's firewall was reloaded))",
    );
    expect(host.pid()).toBe(pid);
    expect(host.nftTable()).toContain(cmdRule);
    expect((await checkDrift(m, { projectDir: host.dir, connect: connector() })).status).toBe("clean");
  });

  it("reports a table that is gone (the host's firewall reloaded without it)", async () => {
    const m = served();
    await apply(m);
    fs.rmSync(`${host.state}/nft-table`);
    const drift = await checkDrift(m, { projectDir: host.dir, connect: connector() });
    expect(drift.differences.map((d) => d.detail)).toEqual([
      expect.stringMatching(/^table inet cdktf_chrony is not loaded .*'drift --heal' loads it$/),
    ]);
  });

  it("rolls the firewall back with the configuration when nft -f fails: the previous rules are loaded again, chronyd restarted on its previous files", async () => {
    await apply(served());
    const before = { conf: host.read("etc/chrony/chrony.conf"), rules: rulesFile(), table: host.nftTable() };
    const pid = host.pid();
    host.flag("nft-fail-load");
    const r = await apply(closed());
    expect(r).toMatchObject({ result: "rolled-back", failedStep: "firewall", action: "restart+firewall" });
    expect(r.error).toMatch(/^firewall: nft failed: Error: Could not process rule: simulated/);
    expect({ conf: host.read("etc/chrony/chrony.conf"), rules: rulesFile(), table: host.nftTable() }).toEqual(before);
    expect(host.leftovers()).toEqual([]);
    expect(host.running()).toBe(true);
    // Restarted for the new chrony.conf, and again on the previous one.
    expect(host.pid()).toBe(pid + 2);
    expect((await apply(served())).result).toBe("unchanged");
  });

  it("stops before the swap when nft -c refuses the rules: nothing changed", async () => {
    await apply(served());
    const before = { conf: host.read("etc/chrony/chrony.conf"), rules: rulesFile(), table: host.nftTable() };
    const m = closed();
    const r = await apply({ ...m, files: m.files.map((f) => (f.role === "firewall" ? { ...f, content: `${f.content}# invalid-rule\n` } : f)) });
    expect(r).toMatchObject({ result: "failed", failedStep: "firewall" });
    expect(r.error).toMatch(/^firewall: nft -c rejected the new rules: .*Error: syntax error/);
    expect({ conf: host.read("etc/chrony/chrony.conf"), rules: rulesFile(), table: host.nftTable() }).toEqual(before);
    expect(host.leftovers()).toEqual([]);
  });

  it("refuses, before changing anything, rules a default-drop chain of the host would override, naming the rule that chain needs; with it, deploys", async () => {
    fs.writeFileSync(`${host.state}/ruleset.json`, dropPolicy(false));
    const r = await apply(served());
    expect(r).toMatchObject({ result: "failed", failedStep: "firewall" });
    expect(r.error).toBe(
      "firewall: chain inet filter input drops what cdktf-chrony's table inet cdktf_chrony accepts (policy drop; in nftables an accept in one table does not override a drop in another): add 'meta mark & 0x10000000 == 0x10000000 accept' to it once, before anything that drops (cdktf-chrony marks only what chrony.conf serves), or leave the host's firewall unmanaged; nothing was changed",
    );
    expect(host.read("etc/chrony/chrony.conf")).toBeUndefined();
    expect(host.nftTable()).toBeUndefined();
    fs.writeFileSync(`${host.state}/ruleset.json`, dropPolicy(true));
    expect((await apply(served())).result).toBe("ok");
    fs.writeFileSync(`${host.state}/ruleset.json`, dropPolicy(false));
    const drift = await checkDrift(served(), { projectDir: host.dir, connect: connector() });
    expect(drift.differences.map((d) => [d.kind, d.subject])).toEqual([["firewall-blocked", "inet filter input"]]);
  });

  it("says nft is missing, and changes nothing", async () => {
    const m = served();
    const r = await apply({ ...m, firewall: { ...m.firewall!, nft: ["/nonexistent/nft"] } });
    expect(r).toMatchObject({ result: "failed", failedStep: "read" });
    expect(r.error).toBe(
      "reading the host failed: /nonexistent/nft is not installed on the host, and the app manages its firewall with nftables: install nftables (apt-get install nftables, dnf install nftables), or leave the firewall prop out; nothing was changed",
    );
  });

  it("removes the table and its rules file when the app stops managing the firewall, chronyd untouched; drift and plan say so first", async () => {
    await apply(served());
    const unmanaged = served({ firewall: false });
    const retired = unmanaged.files.find((f) => f.role === "firewall");
    expect(retired).toBeUndefined();
    const drift = await checkDrift(unmanaged, { projectDir: host.dir, connect: connector() });
    expect(drift.differences).toEqual([
      {
        kind: "firewall-retired",
        subject: host.file("etc/chrony/cdktf-chrony.nft"),
        detail: `the app no longer manages the host's firewall: ${host.file("etc/chrony/cdktf-chrony.nft")} and table inet cdktf_chrony are left from when it did: 'drift --heal' or the next apply removes them`,
      },
    ]);
    const plan = await planHost(unmanaged, { projectDir: host.dir, connect: connector() });
    expect(plan).toMatchObject({ status: "change", action: "firewall", reason: `firewall: ${drift.differences[0].detail.split(": 'drift")[0]}` });
    expect(plan.files).toEqual([{ role: "firewall", path: host.file("etc/chrony/cdktf-chrony.nft"), change: "remove", summary: expect.any(String) }]);
    const pid = host.pid();
    lines = [];
    const r = await apply(unmanaged);
    expect(r, lines.join("\n")).toMatchObject({ result: "ok", action: "firewall", changed: ["firewall"] });
    expect(lines).toContain("[fake] firewall: removing table inet cdktf_chrony (nft delete table)");
    expect(lines.some((l) => l.startsWith("[fake] stage:"))).toBe(false);
    expect(host.pid()).toBe(pid);
    expect(host.nftTable()).toBeUndefined();
    expect(rulesFile()).toBeUndefined();
    expect(host.leftovers()).toEqual([]);
    expect((await apply(unmanaged)).result).toBe("unchanged");
    expect((await checkDrift(unmanaged, { projectDir: host.dir, connect: connector() })).status).toBe("clean");
  });

  it("puts the rules file and the table back when removing the table fails, and when cdktf-chrony's table was never loaded, only the file goes", async () => {
    await apply(served());
    const before = { rules: rulesFile(), table: host.nftTable() };
    host.flag("nft-fail-delete");
    const r = await apply(served({ firewall: false }));
    expect(r).toMatchObject({ result: "rolled-back", failedStep: "firewall", action: "firewall" });
    expect(r.error).toMatch(/^firewall: nft failed: Error: Could not process rule: simulated/);
    expect({ rules: rulesFile(), table: host.nftTable() }).toEqual(before);
    expect(host.leftovers()).toEqual([]);
    fs.rmSync(`${host.state}/nft-table`);
    expect((await apply(served({ firewall: false }))).result).toBe("ok");
    expect(rulesFile()).toBeUndefined();
    expect(host.nftTable()).toBeUndefined();
  });

  it("interrupted while removing a retired firewall (killed, or hung past the timeout): the rules file and table come back, and the next apply removes them", async () => {
    await apply(served());
    const before = { rules: rulesFile(), table: host.nftTable() };
    const unmanaged = served({ firewall: false });

    // Killed after the swap took the file away, before the table went; no second connection.
    host.flag("fault", "firewall kill\n");
    let connects = 0;
    const killed = await apply(unmanaged, {
      faultHook: host.hook,
      connect: async (m, o) => {
        if (++connects > 1) throw new SshError("CONNECTION_REFUSED", "cannot connect to localhost:22: connection refused");
        return connector()!(m, o);
      },
    });
    expect(killed.result).toBe("failed");
    host.unflag("fault");
    const drift = await checkDrift(unmanaged, { projectDir: host.dir, connect: connector() });
    expect(drift.differences.map((d) => d.kind)).toContain("interrupted-apply");

    // The next apply rolls the killed run back first, then removes both.
    const recovered = await apply(unmanaged);
    expect(recovered.result, lines.join("\n")).toBe("ok");
    expect(lines.some((l) => /recover: run \w+ was rolled back/.test(l))).toBe(true);
    expect({ rules: rulesFile(), table: host.nftTable() }).toEqual({ rules: undefined, table: undefined });
    await apply(served());
    expect({ rules: rulesFile(), table: host.nftTable() }).toEqual(before);
    // Hung at the same step: the host kills the run, a second connection rolls it back.
    host.flag("fault", "firewall hang\n");
    const hung = await apply(unmanaged, { faultHook: host.hook, timeoutSeconds: 2 });
    expect(hung.result).toBe("rolled-back");
    expect(hung.error).toMatch(/did not finish within 2000 ms and was killed during firewall; rolled back by recovery/);
    expect({ rules: rulesFile(), table: host.nftTable() }).toEqual(before);
    expect(host.leftovers()).toEqual([]);
    expect(host.running()).toBe(true);
  });

  it("killed while loading the firewall: drift reports the interrupted run, the next apply rolls it back and loads the rules it had", async () => {
    await apply(served());
    const before = { conf: host.read("etc/chrony/chrony.conf"), rules: rulesFile() };
    host.flag("fault", "firewall kill\n");
    let connects = 0;
    const r = await apply(closed(), {
      faultHook: host.hook,
      connect: async (m, o) => {
        if (++connects > 1) throw new SshError("CONNECTION_REFUSED", "cannot connect to localhost:22: connection refused");
        return connector()!(m, o);
      },
    });
    expect(r.result).toBe("failed");
    host.unflag("fault");
    const drift = await checkDrift(served(), { projectDir: host.dir, connect: connector() });
    expect(drift.differences.map((d) => d.kind)).toContain("interrupted-apply");
    expect((await apply(served())).result).toBe("unchanged");
    expect({ conf: host.read("etc/chrony/chrony.conf"), rules: rulesFile() }).toEqual(before);
    expect(host.nftTable()).toContain(cmdRule);
    expect(lines.some((l) => /recover: run \w+ was rolled back/.test(l))).toBe(true);
  });
});

describe("the programs as text", () => {
  it("are shellcheck-clean as generated for a host", () => {
    const which = spawnSync("sh", ["-c", "command -v shellcheck"], { encoding: "utf8" });
    expect(which.status, "shellcheck is installed (apt-get install shellcheck; .ci/run does it)").toBe(0);
    // A managed firewall, and one the app no longer manages (FW_RETIRED): their preambles differ.
    for (const [name, firewall] of (["apply", "recover", "survey"] as const).flatMap((n) => [[n, true] as const, [n, false] as const])) {
      const m = fakeManifest(host, { servers: ["192.0.2.1"], keyIds: [1], firewall });
      const text = programSource(name, [
        ...basePreamble(m, newRun(), { lockWaitSeconds: 1 }),
        "FILES=x KEYS_PATH=x DECLARED_KEY_IDS=x UNDECLARED_KEYS=x MANAGED_MARKER=x KEPT_MARKER=x CHECK_CONF=1 NTS_SOURCES=x NTS_DUMP_DIR=x NTS_KEY_PATH=x",
        "file_data() { :; }",
        "fw_wanted() { :; }",
        "do_action() { :; }",
        "export FILES KEYS_PATH DECLARED_KEY_IDS UNDECLARED_KEYS MANAGED_MARKER KEPT_MARKER CHECK_CONF NTS_SOURCES NTS_DUMP_DIR NTS_KEY_PATH",
      ]);
      const r = spawnSync("shellcheck", ["-s", "sh", "-e", "SC2034,SC2317", "-"], { input: text, encoding: "utf8" });
      expect(r.stdout, `${name}, firewall ${firewall}`).toBe("");
      expect(r.status, `${name}, firewall ${firewall}`).toBe(0);
    }
    void execFileSync;
  });
});

/** The start of the progress line the controller logs when the host reports each step. */
const STEP_LOGS: Record<string, string> = {
  stage: "stage: writing",
  validate: "validate: chronyd -p on",
  swap: "swap: moving",
  reload: "reload: ",
  verify: "verify: chronyd answers",
};
