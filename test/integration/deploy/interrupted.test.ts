import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultLab, startFaultLab } from "../../support/faults";
import { runCli } from "../../helpers/fleet";

// Interrupted and concurrent applies on real sshd + chronyd: one case of each fault here (the full
// step × change × fault matrix is `npm run faults`), two applies racing for one host, a heal racing
// a deploy, and mode/owner drift.

let lab: FaultLab;

beforeAll(async () => {
  lab = await startFaultLab("127.0.91.11");
});

afterAll(async () => {
  await lab?.stop();
});

describe("an interrupted apply on a real host", () => {
  it.each([
    ["controller-kill", "swap", "restart"],
    ["connection-cut", "verify", "reload-sources"],
    ["hang", "reload", "rekey"],
  ] as const)("%s at %s during a %s: consistent, seen by drift, recovered by the next apply", async (fault, step, change) => {
    const c = await lab.run(fault, step, change);
    expect(c, JSON.stringify(c)).toMatchObject({ outcome: "old", chronydRunning: true, driftBefore: 2, recovered: true, leftovers: [] });
  });
});

describe("two runs for one host", () => {
  it("lets one proceed; the other fails naming the holder, or waits and converges", async () => {
    const old = lab.manifest("reload-sources", "old");
    const next = lab.manifest("reload-sources", "new");
    expect(runCli(["apply", old.file], { env: { CDKTF_CHRONY_PROJECT_DIR: lab.project } }).status).toBe(0);
    lab.pauseAt("reload", 6);
    const first = lab.cli(["apply", next.file]);
    await waitFor(() => fs.existsSync(path.join(path.dirname(lab.hook), "reached")));
    const impatient = await lab.cli(["apply", next.file, "--lock-wait", "1"]);
    expect(impatient.status).toBe(1);
    expect(impatient.stdout).toMatch(
      /lock failed: another run holds the host \(run [0-9a-f]{12}, pid \d+, since \d{4}-\d\d-\d\dT[\d:]+Z\) and did not finish within 1 s/,
    );
    const patient = lab.cli(["apply", next.file, "--lock-wait", "60"]);
    const [a, b] = await Promise.all([first, patient]);
    expect(a.stdout).toMatch(/^target .* reload-sources ok in/);
    expect(b.stdout).toMatch(/^target .* no change unchanged in/);
    expect(
      runCli(["drift", path.dirname(path.dirname(next.file)), "--host", "target"], { env: { CDKTF_CHRONY_PROJECT_DIR: lab.project } }).status,
    ).toBe(0);
  });

  it("a heal racing a deploy waits for it, and the host ends as deployed", async () => {
    const old = lab.manifest("restart", "old");
    const next = lab.manifest("restart", "new");
    expect(runCli(["apply", old.file], { env: { CDKTF_CHRONY_PROJECT_DIR: lab.project } }).status).toBe(0);
    lab.pauseAt("verify", 4);
    const deploy = lab.cli(["apply", next.file]);
    await waitFor(() => fs.existsSync(path.join(path.dirname(lab.hook), "reached")));
    const heal = lab.cli(["drift", path.dirname(path.dirname(next.file)), "--host", "target", "--heal"]);
    const [d, h] = await Promise.all([deploy, heal]);
    expect(d.status, d.stdout + d.stderr).toBe(0);
    // The heal's survey waited for the deploy's lock, then found the host as deployed.
    expect(h.status, h.stdout + h.stderr).toBe(0);
    expect(h.stdout).toMatch(/1 clean, 0 drifted, 0 not checked/);
  });
});

describe("mode and owner of the managed files", () => {
  it("drift reports a keys file opened up by hand, and --heal closes it again", () => {
    const m = lab.manifest("restart", "new");
    const outdir = path.dirname(path.dirname(m.file));
    const env = { env: { CDKTF_CHRONY_PROJECT_DIR: lab.project } };
    expect(runCli(["apply", m.file], env).status).toBe(0);
    const keys = path.join(lab.sandbox.hosts[1].root, "etc/chrony/chrony.keys");
    fs.chmodSync(keys, 0o644);
    const drift = runCli(["drift", outdir, "--host", "target", "--json"], env);
    expect(drift.status).toBe(2);
    expect(JSON.parse(drift.stdout).hosts[0].differences).toEqual([
      { kind: "file-mode", subject: keys, detail: `${keys} has mode 644, the manifest wants 640` },
    ]);
    const heal = runCli(["drift", outdir, "--host", "target", "--heal"], env);
    expect(heal.status, heal.stdout + heal.stderr).toBe(0);
    expect(fs.statSync(keys).mode & 0o777).toBe(0o640);
  });

  it("apply fixes a changed keys mode even when the content matches, without touching chronyd", () => {
    const m = lab.manifest("restart", "new");
    const env = { env: { CDKTF_CHRONY_PROJECT_DIR: lab.project } };
    expect(runCli(["apply", m.file], env).status).toBe(0);
    const pid = execFileSync("cat", [path.join(lab.sandbox.hosts[1].root, "run/chrony/chronyd.pid")], { encoding: "utf8" });
    const file = path.join(lab.project, "keys-0600.json");
    fs.writeFileSync(file, JSON.stringify({ ...m.manifest, keys: { ...m.manifest.keys, mode: 0o600 } }));
    const r = runCli(["apply", file], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^target .* none ok in/);
    expect(fs.statSync(path.join(lab.sandbox.hosts[1].root, "etc/chrony/chrony.keys")).mode & 0o777).toBe(0o600);
    expect(execFileSync("cat", [path.join(lab.sandbox.hosts[1].root, "run/chrony/chronyd.pid")], { encoding: "utf8" })).toBe(pid);
    expect(runCli(["apply", m.file], env).status).toBe(0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the host to reach the step");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
