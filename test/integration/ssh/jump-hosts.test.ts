import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sudoersLine } from "../../../lib/ssh/sudo-entry";
import { LAB_FLEET } from "../../support/lab/fleet";
import { labDown, startLab, type Lab } from "../../support/lab/lab";

// Its own prefix: the e2e lab may run at the same time.
const PREFIX = "ccl-int";
const PROBE = path.join(__dirname, "../../../dist/test/support/lab/probe.js");

let lab: Lab;

/** Runs a probe as the controller (the test process cannot reach the lab's namespaces). */
function probe<T>(name: string, ...args: string[]): T {
  const r = lab.run([process.execPath, PROBE, name, lab.dir, ...args], { timeoutMs: 120_000 });
  if (r.status !== 0) throw new Error(`probe ${name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

beforeAll(async () => {
  lab = await startLab({ prefix: PREFIX, hosts: LAB_FLEET });
});

afterAll(async () => {
  await labDown(PREFIX, lab?.dir);
});

describe("jump hosts", () => {
  it("share one bastion connection between the hosts of a pool; without it each host opens its own", () => {
    const r = probe<{ hosts: number; pooled: { jump: number; target: number } }>("pool", "2");
    expect(r.hosts).toBe(5);
    // Two rounds over five hosts: the bastion once, each host twice.
    expect(r.pooled).toMatchObject({ jump: 1, target: 10 });
  });

  it("fail in one line naming the jump host: its key, its forwarding rules, the target, its login", () => {
    const r = probe<Record<string, { code: string; message: string }>>("refusals");
    expect(r.wrongBastionKey.code).toBe("HOST_KEY_MISMATCH");
    expect(r.wrongBastionKey.message).toMatch(/^host key for 198\.18\.0\.2:22 does not match the pinned fingerprint/);
    expect(r.notPermitted).toEqual({
      code: "CONNECTION_FAILED",
      message:
        "jump host 198.18.0.2:22 refused to forward to 198.19.0.1:22 (administratively prohibited: open failed): allow TCP forwarding there for jump (sshd_config AllowTcpForwarding, PermitOpen 198.19.0.1:22)",
    });
    expect(r.noSuchHost.code).toMatch(/CONNECTION_(FAILED|TIMEOUT)/);
    expect(r.noSuchHost.message).toContain("198.19.0.200:22");
    expect(r.wrongUserOnBastion.code).toBe("AUTH_FAILED");
    expect(r.wrongUserOnBastion.message).toMatch(/^authentication failed for deploy@jump host 198\.18\.0\.2:22 with private key /);
    for (const f of Object.values(r)) expect(f.message).not.toContain("\n");
  });
});

describe("the sudoers drop-in", () => {
  it("lets the deploy user run cdktf-chrony's entry point as root, and nothing else", () => {
    type Result = { stdout: string; stderr: string; code: number };
    const r = probe<Record<string, Result>>("sudo");
    expect(r.viaEntry).toEqual({ stdout: "0\n", stderr: "", code: 0 });
    const allowed = r.list.stdout.split("\n").filter((l) => /^\s+\(root\)/.test(l));
    expect(allowed.map((l) => l.trim())).toEqual([sudoersLine("deploy").replace(/^deploy ALL=/, "")]);
    expect(r.shell).toMatchObject({ code: 1, stderr: "sudo: a password is required\n" });
    expect(r.other).toMatchObject({ code: 1, stderr: "sudo: a password is required\n" });
  });
});
