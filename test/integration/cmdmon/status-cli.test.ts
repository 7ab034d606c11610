import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../../lib/cli/command";
import { main } from "../../../lib/cli/main";
import { eventually, freeUdpPort, runChronyc, startTestFleet, type TestFleet } from "../../support/chronyd";
import { allowRequireOfTypeScript } from "./require-ts";

allowRequireOfTypeScript();

let fleet: TestFleet;

async function runCli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** The daemon's reference ID as chronyc reports it, or undefined while it is not synchronised to the reference (stratum 6). */
async function synchronisedReference(): Promise<string | undefined> {
  const run = await fleet.daemon.chronyc(["-c", "tracking"]);
  const [refId, , stratum] = run.stdout.split(",");
  return run.code === 0 && stratum === "6" ? refId : undefined;
}

/**
 * Runs `query` while the daemon stays synchronised to one reference, and returns that reference's ID.
 * On a loaded machine the daemon can lose its sources for a moment and serve its local clock
 * (7F7F0101) before it selects one again: a run during which the reference changed is tried again.
 */
async function whileSynchronised<T>(query: () => Promise<T>): Promise<{ result: T; refId: string }> {
  let steady: { result: T; refId: string } | undefined;
  await eventually("a query while the daemon stays synchronised to one reference", async () => {
    const before = await synchronisedReference();
    if (before === undefined) return false;
    const result = await query();
    if ((await synchronisedReference()) !== before) return false;
    steady = { result, refId: before };
    return true;
  });
  return steady!;
}

beforeAll(async () => {
  fleet = await startTestFleet("cmdmon-status");
  // Until it synchronises, `local stratum 10` makes the daemon its own reference (7F7F0101).
  await eventually("the daemon to synchronise to the reference", async () => (await synchronisedReference()) !== undefined);
});

afterAll(async () => {
  await fleet?.stop();
});

describe("cdktf-chrony status", () => {
  it("--json prints tracking and sources in the documented shape", async () => {
    const {
      result: { code, stdout, stderr },
      refId,
    } = await whileSynchronised(() => runCli("status", `127.0.0.1:${fleet.daemon.cmdPort}`, "--json"));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const status = JSON.parse(stdout) as { tracking: Record<string, unknown>; sources: Record<string, unknown>[] };
    expect(Object.keys(status).sort()).toEqual(["sources", "tracking"]);
    expect(status.tracking).toEqual({
      refId: expect.stringMatching(/^[0-9A-F]{8}$/),
      refName: expect.any(String),
      stratum: 6,
      leapStatus: "normal",
      systemTimeOffset: expect.any(Number),
      lastOffset: expect.any(Number),
      rmsOffset: expect.any(Number),
      frequencyPpm: expect.any(Number),
      residualFrequencyPpm: expect.any(Number),
      skewPpm: expect.any(Number),
      rootDelay: expect.any(Number),
      rootDispersion: expect.any(Number),
      updateInterval: expect.any(Number),
      refTime: expect.any(Number),
    });
    // chronyc -c tracking gave this reference ID just before and just after the status run.
    expect(status.tracking.refId).toBe(refId);
    expect(status.sources).toHaveLength(6);
    for (const source of status.sources) {
      expect(source).toMatchObject({
        address: expect.any(String),
        mode: expect.stringMatching(/^(server|peer|refclock)$/),
        state: expect.stringMatching(/^(selected|combined|notCombined|nonselectable|falseticker|jittery)$/),
        stratum: expect.any(Number),
        poll: expect.any(Number),
        reach: expect.any(Number),
        offset: expect.any(Number),
        error: expect.any(Number),
      });
      expect(source.lastRx === null || typeof source.lastRx === "number").toBe(true);
      expect(source.reach as number).toBeLessThanOrEqual(255);
    }
    expect(status.sources.find((s) => s.address === "127.0.0.1")?.name).toBe("localhost");
    expect(status.sources.find((s) => s.address === "SHM0")).toMatchObject({ mode: "refclock", lastRx: null });
  });

  it("prints chronyc-like tracking and a sources table over IPv6", async () => {
    const {
      result: [{ code, stdout }, chronyc],
    } = await whileSynchronised(() =>
      Promise.all([runCli("status", `[::1]:${fleet.daemon.cmdPort}`), runChronyc(["-N", "-h", fleet.daemon.socketPath, "sources"])]),
    );
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/^Reference ID {4}: [0-9A-F]{8} \(.+\)$/);
    expect(lines).toContain("Stratum         : 6");
    expect(lines).toContain("Leap status     : Normal");
    expect(lines).toContain("MS Name/IP address         Stratum Poll Reach LastRx Last sample               ");
    expect(lines.some((l) => /^\^x localhost {21}5 /.test(l))).toBe(true);
    expect(lines.some((l) => /^#\? SHM0 {26}0 /.test(l))).toBe(true);
    // Same rows, in the same order, as chronyc -N sources prints at the same time (values move, names and modes do not).
    const names = (text: string): string[] =>
      text
        .split("\n")
        .filter((l) => /^[#^=][*+\-?x~] /.test(l))
        .map((l) => l.slice(0, 30));
    expect(names(stdout)).toEqual(names(chronyc.stdout));
  });

  it("rejects a bad port with one line and exit 1", async () => {
    const { code, stdout, stderr } = await runCli("status", "127.0.0.1:abc");
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      "cdktf-chrony status: invalid port 'abc' in '127.0.0.1:abc': the port must be a number from 1 to 65535 (chronyd's cmdport, 323 by default)\n",
    );
  });

  it("reports a host where nothing listens with one line and exit 1", async () => {
    const port = await freeUdpPort();
    const { code, stderr } = await runCli("status", `127.0.0.1:${port}`, "--timeout", "200");
    expect(code).toBe(1);
    expect(stderr).toBe(`cdktf-chrony status: nothing listens on 127.0.0.1:${port} (chronyd not running or cmdport differs)\n`);
  });

  it("rejects a bad --timeout and a missing host", async () => {
    expect((await runCli("status", "127.0.0.1", "--timeout", "soon")).stderr).toBe(
      "cdktf-chrony status: invalid --timeout 'soon': use a positive number of milliseconds up to 60000\n",
    );
    const missing = await runCli("status");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      "cdktf-chrony status: missing HOST or OUTDIR: usage: cdktf-chrony status HOST[:PORT]|OUTDIR [--rtc] [--json] [--format markdown] [--timeout MS] [--concurrency N]\n",
    );
  });

  it("has --help with usage and an example", async () => {
    const { code, stdout } = await runCli("status", "--help");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: cdktf-chrony status HOST\[:PORT\]\|OUTDIR \[--rtc\] \[--json\] .*\[--timeout MS\]/);
    expect(stdout).toContain("cdktf-chrony status [::1]:11323 --json");
  });

  const built = join(__dirname, "../../../dist/lib/cli/main.js");
  it.skipIf(!existsSync(join(__dirname, "../../../dist/lib/cli/commands/status.js")))("works as the built binary", async () => {
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [built, "status", `127.0.0.1:${fleet.daemon.cmdPort}`, "--json"], (error, stdout, stderr) =>
        resolve({ code: error ? 1 : 0, stdout, stderr }),
      );
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).tracking.stratum).toBe(6);
    const bad = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [built, "status", "127.0.0.1:abc"], (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
  });
});
