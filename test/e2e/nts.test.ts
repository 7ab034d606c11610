import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseChronycAuthData } from "../../lib/cmdmon";
import type { HostVerification } from "../../lib/deploy/verify";
import { formatFleetReport } from "../../lib/report/fleet-report";
import type { SandboxHost } from "../../lib/sandbox";
import { applySummaries, cdktfDeploy, ROOT, stripAnsi } from "../helpers/cdktf";
import { runCli } from "../helpers/fleet";
import { storedNtsKeyForms } from "../helpers/nts";
import { startSandbox, StartedSandbox } from "../helpers/sandbox";
import { readTree } from "../helpers/synth";

// examples/nts deployed with real `cdktf deploy` (Terraform, sshd, chronyd 4.3) to a 5-host sandbox
// on 127.0.60.11-15: two NTS servers with certificates from the app's private CA, server-b and three
// clients using them over NTS. Then a certificate re-issue, a client given a CA that did not sign the
// servers' certificates, and a search for every private key in everything the tool wrote or printed.

let sandbox: StartedSandbox;
let project: string;
let outdir: string;
let state: string;
const logs: string[] = [];
/** The forms of every private key the key store held at some point (re-issue replaces the servers'). */
const keyForms = new Set<string>();
const noteKeys = () => storedNtsKeyForms(project).forEach((f) => keyForms.add(f));
const APP = path.join(ROOT, "dist/examples/nts/main.js");
const EXTRA_NAME = "ntp.e2e.test";

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { CDKTF_CHRONY_SANDBOX: sandbox.dir, CDKTF_CHRONY_PROJECT_DIR: project, NTS_EXTRA_NAME: "", NTS_UNTRUSTING_CLIENT: "", ...extra };
}

function deploy(extra: NodeJS.ProcessEnv = {}) {
  const run = cdktfDeploy({ app: APP, stack: "nts", outdir, env: env(extra) });
  logs.push(run.output);
  return run;
}

function cli(args: string[]) {
  const r = runCli(args, { env: env() });
  logs.push(r.stdout, r.stderr);
  return r;
}

function verifyJson(args: string[] = []): { status: number | null; hosts: HostVerification[] } {
  const r = cli(["verify", outdir, "--json", ...args]);
  return { status: r.status, hosts: JSON.parse(r.stdout).hosts };
}

const host = (id: string): SandboxHost => sandbox.hosts[["server-a", "server-b", "client-1", "client-2", "client-3"].indexOf(id)];
const onHost = (id: string, relative: string) => path.join(host(id).root, relative);
const chronyc = (id: string, ...args: string[]) =>
  execFileSync("/usr/bin/chronyc", ["-h", onHost(id, "run/chrony/chronyd.sock"), ...args], { encoding: "utf8" });
const authData = (id: string) => parseChronycAuthData(chronyc(id, "-c", "authdata"));

/** Makes a client start NTS over: its NTS sources removed (cookies saved), the saved cookies deleted, chronyd restarted. */
function forceNtsKe(id: string): void {
  for (const server of ["server-a", "server-b"]) chronyc(id, "delete", host(server).address);
  for (const f of fs.readdirSync(onHost(id, "var/lib/chrony")).filter((f) => f.endsWith(".nts"))) fs.rmSync(onHost(id, `var/lib/chrony/${f}`));
  execFileSync(onHost(id, "usr/local/sbin/chrony-service"), ["restart"]);
}

const CLIENTS = ["client-1", "client-2", "client-3"];

beforeAll(async () => {
  expect(execFileSync("terraform", ["version"], { encoding: "utf8" })).toMatch(/^Terraform v1\./);
  sandbox = await startSandbox({ hosts: 5, firstAddress: "127.0.60.11" });
  project = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-nts-"));
  outdir = path.join(project, "cdktf.out");
  state = path.join(sandbox.dir, "terraform.nts.tfstate");
});

afterAll(async () => {
  await sandbox?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

describe("NTS end to end: cdktf deploy of examples/nts to the sandbox", () => {
  it("deploys two NTS servers (certificates from the app's CA) and three NTS clients; every client's sources are authenticated by NTS", () => {
    const run = deploy();
    expect(run.status, run.output.slice(-4000)).toBe(0);
    expect(run.output).toContain("Apply complete! Resources: 5 added, 0 changed, 0 destroyed.");
    // server-a first (server-b and the clients depend on it), then server-b, then the clients.
    expect(applySummaries(run.output)).toEqual({
      "server-a": "restart ok",
      "server-b": "restart+nts-ke ok",
      "client-1": "restart+nts-ke ok",
      "client-2": "restart+nts-ke ok",
      "client-3": "restart+nts-ke ok",
    });
    expect(run.output.indexOf("server-a (127.0.60.11:2201) restart ok")).toBeLessThan(run.output.indexOf("server-b (127.0.60.12:2202)"));

    const { status, hosts } = verifyJson();
    expect(
      hosts.map((h) => [h.host, h.result]),
      JSON.stringify(hosts.map((h) => h.problems)),
    ).toEqual([
      ["client-1", "verified"],
      ["client-2", "verified"],
      ["client-3", "verified"],
      ["server-a", "verified"],
      ["server-b", "verified"],
    ]);
    expect(status).toBe(0);
    for (const h of hosts.filter((h) => h.host !== "server-a")) {
      for (const s of h.sources) {
        expect(s, `${h.host} ${s.name}`).toMatchObject({ ok: true, authenticated: true, nts: { nak: 0, keAttempts: 0 } });
        expect(s.nts!.cookies, `${h.host} ${s.name}`).toBeGreaterThan(0);
      }
      if (h.host.startsWith("client")) expect(h.synchronised).toBe(true);
    }
    expect(formatFleetReport(hosts.map((verification) => ({ verification })))).toMatch(
      /^ {4}server 127\.0\.60\.11 .* reach \d{3} {2}NTS: authenticated, 8 cookies$/m,
    );

    // On the hosts: the key 0640 root:_chrony in a folder chronyd can read; the clients trust the CA.
    const key = fs.statSync(onHost("server-a", "etc/chrony/nts/server.key"));
    expect([
      (key.mode & 0o777).toString(8),
      key.uid,
      execFileSync("stat", ["-c", "%G", onHost("server-a", "etc/chrony/nts/server.key")], { encoding: "utf8" }).trim(),
    ]).toEqual(["640", 0, "_chrony"]);
    expect((fs.statSync(onHost("server-a", "etc/chrony/nts")).mode & 0o777).toString(8)).toBe("755");
    const ca = new X509Certificate(fs.readFileSync(onHost("client-1", "etc/chrony/nts/trusted-cas.pem")));
    const cert = new X509Certificate(fs.readFileSync(onHost("server-a", "etc/chrony/nts/server.crt")));
    expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIP("127.0.60.11")).toBe("127.0.60.11");

    const keys = cli(["keys", outdir]);
    expect(keys.stdout).toMatch(
      /^server-a\s+server\s+CN=127\.0\.60\.11\s+127\.0\.60\.11,server-a\.ntp\.internal\s+\S+\s+36[45]\s+ok\s+hmac-sha256:[0-9a-f]{32} \(key store \.chrony-keys\/nts\/fleet-ca\/nts-server-a-certificate\.key\)$/m,
    );
    noteKeys();
    expect(keys.stdout).toMatch(/^client-1\s+trusted CA\s+CN=cdktf-chrony NTS CA fleet-ca\s+-\s+\S+\s+36\d\d\s+ok\s+-$/m);
  });

  it("re-issues the servers' certificates when their names change: only the servers restart, the clients keep their cookies and stay synchronised", async () => {
    const before = Object.fromEntries(CLIENTS.map((id) => [id, authData(id)]));
    const oldCert = fs.readFileSync(onHost("server-a", "etc/chrony/nts/server.crt"), "utf8");
    // Sample every process's command line during the deploy: the new keys travel on stdin only.
    const sampled = path.join(project, "cmdlines.txt");
    const sampler: ChildProcess = spawn(
      "sh",
      [
        "-c",
        `while :; do for f in /proc/[0-9]*/cmdline; do tr '\\000' ' ' < "$f"; echo; done 2>/dev/null | sort -u >> "$0"; sleep 0.05; done`,
        sampled,
      ],
      {
        stdio: "ignore",
      },
    );
    let run;
    try {
      run = deploy({ NTS_EXTRA_NAME: EXTRA_NAME });
    } finally {
      sampler.kill("SIGTERM");
    }
    expect(run.status, run.output.slice(-4000)).toBe(0);
    expect(applySummaries(run.output)).toEqual({ "server-a": "restart ok", "server-b": "restart ok" });
    expect(run.output).toContain(
      "[server-a] plan: restart (the NTS server certificate or key changed: chronyd loads them only at start (clients keep their cookies))",
    );
    const cert = new X509Certificate(fs.readFileSync(onHost("server-a", "etc/chrony/nts/server.crt")));
    expect(cert.toString()).not.toBe(oldCert);
    expect(cert.checkHost(EXTRA_NAME)).toBe(EXTRA_NAME);

    const { hosts } = verifyJson(["--timeout", "60"]);
    expect(hosts.map((h) => [h.host, h.result])).toEqual([
      ["client-1", "verified"],
      ["client-2", "verified"],
      ["client-3", "verified"],
      ["server-a", "verified"],
      ["server-b", "verified"],
    ]);
    for (const h of hosts.filter((h) => h.host.startsWith("client"))) expect(h.synchronised).toBe(true);
    // No client ran NTS-KE again: the servers' cookie keys (ntsdumpdir) survived their restarts.
    for (const id of CLIENTS) {
      for (const [i, a] of authData(id).entries()) {
        expect(a.keAttempts, `${id} ${a.address}`).toBe(0);
        expect(a.lastKeAgo!, `${id} ${a.address}`).toBeGreaterThanOrEqual(before[id][i].lastKeAgo!);
      }
    }
    // A client that starts NTS over meets the new certificate, and authenticates.
    forceNtsKe("client-1");
    const again = verifyJson(["--host", "client-1", "--timeout", "30"]);
    expect(again.hosts[0].result, JSON.stringify(again.hosts[0].problems)).toBe("verified");
    expect(authData("client-1").every((a) => a.lastKeAgo !== null && a.lastKeAgo < 60 && a.cookies > 0)).toBe(true);

    noteKeys();
    const cmdlines = fs.readFileSync(sampled, "utf8");
    expect(cmdlines).toContain('IFS= read -r n && s=$(head -c "$n") && eval "$s"');
    for (const form of keyForms) expect(cmdlines).not.toContain(form);
    logs.push(cmdlines);
  });

  it("rolls back a client given a CA that did not sign the servers' certificates: verify fails with the reason, the client stays on its previous config", () => {
    const trust = onHost("client-3", "etc/chrony/nts/trusted-cas.pem");
    const before = fs.readFileSync(trust, "utf8");
    const run = deploy({ NTS_EXTRA_NAME: EXTRA_NAME, NTS_UNTRUSTING_CLIENT: "client-3" });
    expect(run.status).not.toBe(0);
    expect(applySummaries(run.output)).toEqual({ "client-3": "restart+nts-ke rolled-back" });
    expect(run.output).toContain(
      "[client-3] verify failed: verification failed: server 127.0.60.11 uses NTS but NTS-KE failed (1 attempt, no cookies): its certificate is issued by 'CN=cdktf-chrony NTS CA fleet-ca' (nts/FleetCa), which this host does not trust (it trusts 'CN=cdktf-chrony NTS CA other-ca')",
    );
    expect(run.output).toContain("[client-3] rollback: chronyd runs the previous configuration");
    expect(fs.readFileSync(trust, "utf8")).toBe(before);
    const after = verifyJson(["--host", "client-3", "--timeout", "30"]);
    expect(after.hosts[0].result, JSON.stringify(after.hosts[0].problems)).toBe("verified");

    // Back to the app as it was: the tainted resource is replaced, and the host already matches.
    const back = deploy({ NTS_EXTRA_NAME: EXTRA_NAME });
    expect(back.status, back.output.slice(-3000)).toBe(0);
    expect(applySummaries(back.output)).toEqual({ "client-3": "no change unchanged" });
  });

  it("finds a client trusting the wrong CA with verify (exit 2, what to check) and drift (the file, the source), and heals it", () => {
    const trust = onHost("client-3", "etc/chrony/nts/trusted-cas.pem");
    fs.copyFileSync(path.join(project, ".chrony-keys/nts/other-ca/ca.crt"), trust);
    forceNtsKe("client-3");
    const bad = verifyJson(["--host", "client-3", "--timeout", "8"]);
    expect(bad.status).toBe(2);
    expect(bad.hosts[0].result).toBe("failed");
    expect(bad.hosts[0].problems).toContain(
      "server 127.0.60.11 uses NTS but NTS-KE failed (1 attempt, no cookies): check that its certificate is issued by a CA this host trusts (ntstrustedcerts, or the system CAs without nosystemcert), names 127.0.60.11 and is valid now, and that its NTS-KE port answers (chronyd logs the TLS error)",
    );
    const drift = cli(["drift", outdir, "--host", "client-3", "--json"]);
    expect(drift.status).toBe(2);
    expect(JSON.parse(drift.stdout).hosts[0].differences.map((d: { kind: string; subject: string }) => [d.kind, d.subject])).toEqual([
      ["file-changed", trust],
      ["source-unauthenticated", "127.0.60.11"],
      ["source-unauthenticated", "127.0.60.12"],
    ]);
    const heal = cli(["drift", outdir, "--heal", "--json"]);
    expect(heal.status, heal.stdout).toBe(0);
    expect(JSON.parse(heal.stdout).healed).toEqual([{ host: "client-3", action: "restart+nts-ke", result: "ok", runtimeFixes: [], status: "clean" }]);
  });

  it("keeps every private key (CA and servers) out of cdktf.out, the state, the plan output and every CLI output", () => {
    const plan = spawnSync(path.join(ROOT, "node_modules/.bin/cdktf"), ["diff", "--output", outdir, "--app", `node ${APP}`, "nts"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, ...env({ NTS_EXTRA_NAME: EXTRA_NAME }), CHECKPOINT_DISABLE: "1", CI: "1" },
    });
    logs.push(stripAnsi(plan.stdout + plan.stderr));
    for (const args of [
      ["inspect", outdir, "--json"],
      ["keys", outdir, "--json"],
      ["drift", outdir],
    ])
      cli(args);
    const text = [fs.readFileSync(state, "latin1"), readTree(outdir), ...logs].join("\n");
    expect(text).toContain("hmac-sha256:");
    expect(text).not.toContain("PRIVATE KEY");
    noteKeys();
    // fleet-ca and other-ca, and two generations of the two servers' keys.
    expect(keyForms.size).toBeGreaterThanOrEqual(6 * 6);
    for (const form of keyForms) expect(text).not.toContain(form);
  });
});
