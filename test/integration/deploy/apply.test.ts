import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChronyHost, KeySource, NtpKey } from "../../../constructs";
import { CmdmonClient } from "../../../lib/cmdmon";
import { startSandbox, StartedSandbox } from "../../helpers/sandbox";
import { chronydPid, hostFile, runCli, sandboxHostProps, storedKeyMaterial, synthFleet, SynthesizedHost } from "../../helpers/fleet";
import { materialForms } from "../../helpers/synth";

let sandbox: StartedSandbox;
let project: string;
const outputs: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ hosts: 3, firstAddress: "127.0.3.11" });
  project = fs.mkdtempSync(path.join(os.tmpdir(), "apply-project-"));
});

afterAll(async () => {
  await sandbox?.stop();
  fs.rmSync(project, { recursive: true, force: true });
});

interface FleetShape {
  clientMaxPoll?: number;
  extraClientServer?: boolean;
  serverHoldsKey?: boolean;
  clientUsesKey?: boolean;
  includes?: string[];
}

/** h1 serves h2 and h3; options change one thing at a time. */
function synth(shape: FleetShape = {}): Record<string, SynthesizedHost> {
  const [h1, h2, h3] = sandbox.hosts;
  return synthFleet(project, path.join(project, "cdktf.out"), (stack) => {
    const key = new NtpKey(stack, "ClientKey", { keyId: 5, type: "SHA256", source: KeySource.keyStore() });
    const server = new ChronyHost(stack, "server", {
      ...sandboxHostProps(h1, sandbox.controller),
      local: { stratum: 8 },
      allow: ["127.0.0.0/8"],
      keys: shape.serverHoldsKey ? [key] : [],
      includes: shape.includes,
    });
    for (const [name, host] of [
      ["client-1", h2],
      ["client-2", h3],
    ] as const) {
      const client = new ChronyHost(stack, name, sandboxHostProps(host, sandbox.controller));
      client.addServer(server, {
        iburst: true,
        minPoll: 0,
        maxPoll: shape.clientMaxPoll ?? 4,
        key: shape.clientUsesKey && name === "client-1" ? key : undefined,
      });
      if (shape.extraClientServer && name === "client-1") client.addServer("127.0.3.99", { iburst: true, port: 11199 });
    }
  });
}

function apply(host: SynthesizedHost) {
  const r = runCli(["apply", host.file]);
  outputs.push(r.stdout, r.stderr);
  return r;
}

const digest = (file: string) => (fs.existsSync(file) ? execFileSync("sha256sum", [file], { encoding: "utf8" }).split(" ")[0] : "absent");
const liveFiles = (i: number) =>
  ["etc/chrony/chrony.conf", "etc/chrony/sources.d/cdktf-chrony.sources", "etc/chrony/chrony.keys"].map((f) => digest(hostFile(sandbox.hosts[i], f)));

async function udpSources(i: number) {
  const h = sandbox.hosts[i];
  const client = new CmdmonClient({ host: h.address, port: h.cmdPort });
  try {
    return await client.sources();
  } finally {
    await client.close();
  }
}

describe("cdktf-chrony apply on sandbox hosts (real sshd, real chronyd)", () => {
  it("deploys a fresh fleet and verifies chronyd afterwards (no restart: the sandbox's own chrony.conf means the same)", () => {
    const hosts = synth();
    for (const name of ["server", "client-1", "client-2"]) {
      const r = apply(hosts[name]);
      expect(r.stderr).toContain(`[${name}] validate: chronyd -p accepts the new configuration`);
      expect(r.stderr).toContain(`[${name}] verify: chronyd answers;`);
      expect(r.stderr).toContain(`[${name}] plan: `);
      expect(r.stdout).toMatch(
        new RegExp(`^${name} \\(127\\.0\\.3\\.\\d+:\\d+\\) (restart|rekey\\+reload-sources|reload-sources|rekey) ok in [\\d.]+ s\\n$`),
      );
      expect(r.status).toBe(0);
    }
  });

  it("applies a second time as a no-op and says so", () => {
    const r = apply(synth()["client-1"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("[client-1] nothing to do: the host already matches the manifest");
    expect(r.stdout).toMatch(/^client-1 .* no change unchanged in/);
  });

  it("applies a sources-only change with reload sources: same chronyd pid, new source listed", async () => {
    const pid = chronydPid(sandbox.hosts[1]);
    const r = apply(synth({ extraClientServer: true })["client-1"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("[client-1] plan: reload-sources (only sources changed)");
    expect(r.stderr).toContain("[client-1] reload: chronyc reload sources");
    expect(chronydPid(sandbox.hosts[1])).toBe(pid);
    const names = (await udpSources(1)).map((s) => s.name ?? s.address);
    expect(names).toContain("127.0.3.99");
    expect(names).toContain("127.0.3.11");
  });

  it("applies a changed option of an existing source with reload sources (twice before chrony 4.5), keeping the source", async () => {
    const pid = chronydPid(sandbox.hosts[1]);
    for (const maxPoll of [3, 5, 2]) {
      const r = apply(synth({ extraClientServer: true, clientMaxPoll: maxPoll })["client-1"]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain("[client-1] plan: reload-sources (only sources changed)");
      expect(fs.readFileSync(hostFile(sandbox.hosts[1], "etc/chrony/sources.d/cdktf-chrony.sources"), "utf8")).toContain(`maxpoll ${maxPoll}`);
      expect((await udpSources(1)).map((s) => s.name ?? s.address).sort()).toEqual(["127.0.3.11", "127.0.3.99"]);
    }
    expect(chronydPid(sandbox.hosts[1])).toBe(pid);
    apply(synth({ extraClientServer: true })["client-1"]);
  });

  it("rolls back when chronyd does not list a source after the reload", async () => {
    const hosts = synth({ extraClientServer: true, clientMaxPoll: 6 });
    const before = liveFiles(1);
    const m = hosts["client-1"].manifest;
    // The manifest expects a source its files do not configure: verification must catch it.
    const file = path.join(project, "missing-source.json");
    fs.writeFileSync(
      file,
      JSON.stringify({ ...m, verify: { ...m.verify, sources: [...m.verify.sources, { kind: "server", name: "192.0.2.77", nts: false }] } }),
    );
    const r = runCli(["apply", file]);
    outputs.push(r.stdout, r.stderr);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("[client-1] verify failed: verification failed: chronyd does not list server 192.0.2.77");
    expect(r.stderr).toContain("[client-1] rollback: chronyd runs the previous configuration");
    expect(liveFiles(1)).toEqual(before);
    expect((await udpSources(1)).map((s) => s.name ?? s.address).sort()).toEqual(["127.0.3.11", "127.0.3.99"]);
  });

  it("applies a keys-only change with rekey, and a client using the new key is authenticated", async () => {
    const hosts = synth({ extraClientServer: true, serverHoldsKey: true, clientUsesKey: true });
    const serverPid = chronydPid(sandbox.hosts[0]);
    const server = apply(hosts.server);
    expect(server.status).toBe(0);
    expect(server.stderr).toContain("[server] plan: rekey (only keys changed)");
    expect(chronydPid(sandbox.hosts[0])).toBe(serverPid);
    const client = apply(hosts["client-1"]);
    expect(client.status).toBe(0);
    expect(client.stderr).toContain("[client-1] plan: rekey+reload-sources (keys and sources changed)");
    const verify = runCli(["verify", path.join(project, "cdktf.out"), "--host", "client-1", "--json", "--timeout", "15"]);
    const report = JSON.parse(verify.stdout).hosts[0];
    const keyed = report.sources.find((s: { keyId?: number }) => s.keyId === 5);
    expect(keyed).toMatchObject({ name: "127.0.3.11", authenticated: true, ok: true });
    // The extra server at 127.0.3.99 has no chronyd behind it: verify reports it, and only it.
    expect(report.problems).toEqual(["server 127.0.3.99 has not answered yet (reach 0)"]);
    expect(verify.status).toBe(2);
  });

  it("writes chrony.keys 0640 root:_chrony", () => {
    const st = fs.statSync(hostFile(sandbox.hosts[0], "etc/chrony/chrony.keys"));
    const chronyGid = Number(execFileSync("getent", ["group", "_chrony"], { encoding: "utf8" }).split(":")[2]);
    expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o640, 0, chronyGid]);
  });

  it("refuses a config chronyd rejects before the swap: files and pid unchanged, chronyd's words quoted", () => {
    const before = liveFiles(0);
    const pid = chronydPid(sandbox.hosts[0]);
    const r = apply(synth({ extraClientServer: true, serverHoldsKey: true, clientUsesKey: true, includes: ["/nonexistent/dir/*.conf"] }).server);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "[server] validate failed: chronyd -p rejected the new configuration: Fatal error : Could not search for files matching /nonexistent/dir/*.conf",
    );
    expect(r.stderr).toContain("[server] nothing was changed on the host");
    expect(r.stdout).toMatch(/^server .* restart failed in [\d.]+ s: validate failed: chronyd -p rejected/);
    expect(liveFiles(0)).toEqual(before);
    expect(chronydPid(sandbox.hosts[0])).toBe(pid);
    // The lock file stays (removing a lock file others may wait on would race); nothing else of the run does.
    expect(
      fs.readdirSync(hostFile(sandbox.hosts[0], "etc/chrony")).filter((f) => f.includes("cdktf-chrony.") && !f.endsWith(".cdktf-chrony.lock")),
    ).toEqual([]);
  });

  it("rolls back a restart that fails (a fault injected through the profile): previous files back, chronyd running", async () => {
    const hosts = synth({ clientMaxPoll: 5, extraClientServer: true, serverHoldsKey: true, clientUsesKey: true });
    const before = liveFiles(2);
    const m = hosts["client-2"].manifest;
    const service = m.profile.service.restart[0];
    const faulty = {
      ...m,
      profile: {
        ...m.profile,
        service: { ...m.profile.service, restart: ["sh", "-c", `${service} stop >/dev/null; echo 'chronyd: simulated start failure' >&2; exit 1`] },
      },
    };
    // The conf must change too, so that the action is a restart.
    faulty.files = faulty.files.map((f) => (f.role === "conf" ? { ...f, content: `${f.content}maxupdateskew 100\n` } : f));
    const file = path.join(project, "faulty-client-2.json");
    fs.writeFileSync(file, JSON.stringify(faulty));
    const r = runCli(["apply", file]);
    outputs.push(r.stdout, r.stderr);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("[client-2] reload failed: chronyd restart failed: chronyd: simulated start failure");
    expect(r.stderr).toContain("[client-2] rollback: previous files restored");
    expect(r.stderr).toContain("[client-2] rollback: chronyd runs the previous configuration");
    expect(r.stdout).toMatch(/^client-2 .* restart rolled-back in [\d.]+ s: reload failed/);
    expect(liveFiles(2)).toEqual(before);
    const client = new CmdmonClient({ host: sandbox.hosts[2].address, port: sandbox.hosts[2].cmdPort });
    expect((await client.tracking()).refId).toMatch(/^[0-9A-F]{8}$/);
    await client.close();
  });

  it("refuses a host whose SSH key changed, and writes nothing", () => {
    const hosts = synth({ clientMaxPoll: 6 });
    const before = liveFiles(1);
    const m = hosts["client-1"].manifest;
    const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "other-key-"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(keyDir, "k")]);
    const other = fs.readFileSync(path.join(keyDir, "k.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ");
    const knownHosts = path.join(keyDir, "known_hosts");
    fs.writeFileSync(knownHosts, `[${m.target.address}]:${m.target.port} ${other}\n`);
    const file = path.join(project, "changed-key.json");
    fs.writeFileSync(
      file,
      JSON.stringify({ ...m, target: { ...m.target, hostKey: { kind: "knownHosts", path: knownHosts, trustOnFirstUse: true } } }),
    );
    const r = runCli(["apply", file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /\[client-1\] connect failed: host key for 127\.0\.3\.12:2202 CHANGED \(expected SHA256:\S+, got SHA256:\S+\): possible man-in-the-middle/,
    );
    expect(r.stdout).toMatch(/connect failed: host key .* CHANGED/);
    expect(liveFiles(1)).toEqual(before);
    fs.rmSync(keyDir, { recursive: true, force: true });
  });

  it("fails before touching the host when a key's material cannot be read", () => {
    const hosts = synthFleet(project, path.join(project, "env-out"), (stack) => {
      process.env.APPLY_TEST_KEY = "HEX:00112233445566778899AABB";
      const key = new NtpKey(stack, "EnvKey", { keyId: 9, source: KeySource.env("APPLY_TEST_KEY") });
      new ChronyHost(stack, "server", { ...sandboxHostProps(sandbox.hosts[0], sandbox.controller), keys: [key], local: { stratum: 8 } });
    });
    delete process.env.APPLY_TEST_KEY;
    const before = liveFiles(0);
    const r = runCli(["apply", hosts.server.file], { env: { APPLY_TEST_KEY: "" } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "[server] keys: host server: key 9 (env APPLY_TEST_KEY): the variable is not set: export APPLY_TEST_KEY=HEX:... (generate one with 'cdktf-chrony keygen 9 SHA256'); nothing was written to the host",
    );
    expect(r.stderr).not.toContain("connect");
    expect(liveFiles(0)).toEqual(before);
  });

  it("never prints key material", () => {
    const material = storedKeyMaterial(project, 5);
    const all = outputs.join("\n");
    expect(all.length).toBeGreaterThan(1000);
    for (const form of materialForms(material)) expect(all).not.toContain(form);
  });
});
