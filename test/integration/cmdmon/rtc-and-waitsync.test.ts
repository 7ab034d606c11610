import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChronyHost, HostKeyPolicy } from "../../../constructs";
import type { CliIO } from "../../../lib/cli/command";
import { main } from "../../../lib/cli/main";
import { CmdmonClient, parseChronycRtcData } from "../../../lib/cmdmon";
import { RemoteChronyc } from "../../../lib/deploy/remote-chronyc";
import { synthFleet } from "../../helpers/fleet";
import { freeUdpPort, runChronyc, startChronyd, type RunningChronyd } from "../../support/chronyd";
import { LocalSession } from "../../support/local-session";
import { allowRequireOfTypeScript } from "./require-ts";

// `status --rtc` and `waitsync` against real chronyd 4.3 (-x, loopback): a client that becomes
// synchronised when its server comes up after it, one whose server never answers, and RTC reports
// from daemons that track no RTC (this machine has none: no /dev/rtc).

allowRequireOfTypeScript();

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) };
  const started = Date.now();
  const code = await main(argv, io);
  return { code, stdout, stderr, seconds: (Date.now() - started) / 1000 };
}

const daemons: RunningChronyd[] = [];
let serverPort: number;
let late: RunningChronyd;
let never: RunningChronyd;
let withRtcFile: RunningChronyd;
const project = fs.mkdtempSync(path.join(os.tmpdir(), "waitsync-"));

beforeAll(async () => {
  serverPort = await freeUdpPort();
  const closedPort = await freeUdpPort();
  const source = (port: number) => `server 127.0.0.1 port ${port} iburst minpoll 0 maxpoll 1`;
  late = await startChronyd({ name: "waitsync-late", ntpPort: 0, directives: [source(serverPort)] });
  never = await startChronyd({ name: "waitsync-never", ntpPort: 0, directives: [source(closedPort)] });
  // rtcfile set, but there is no RTC device: chronyd logs "Could not open RTC device" and tracks none.
  withRtcFile = await startChronyd({ name: "rtcfile", ntpPort: 0, directives: (dir) => [`rtcfile ${dir}/rtc`] });
  daemons.push(late, never, withRtcFile);
});

afterAll(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  fs.rmSync(project, { recursive: true, force: true });
});

describe("cdktf-chrony status --rtc", () => {
  it("says 'no RTC' for a chronyd that tracks none (no rtcfile, or no RTC device), as chronyc's 513 over the socket says", async () => {
    for (const d of [late, withRtcFile]) {
      const text = await cli("status", `127.0.0.1:${d.cmdPort}`, "--rtc");
      expect(text.code).toBe(0);
      expect(text.stdout).toBe(
        `no RTC: chronyd on 127.0.0.1:${d.cmdPort} tracks no real-time clock (status NORTC, chronyc's "513 RTC driver not running"): it needs rtcfile and an RTC device it can use; a host with rtcsync lets the kernel keep its RTC instead\n`,
      );
      expect(JSON.parse((await cli("status", `127.0.0.1:${d.cmdPort}`, "--rtc", "--json")).stdout)).toEqual({ rtc: null });
      const chronyc = await d.chronyc(["-c", "rtcdata"]);
      expect(chronyc.stdout.trim()).toBe("513 RTC driver not running");
      expect(() => parseChronycRtcData(chronyc.stdout)).toThrow(expect.objectContaining({ status: 13 }));
    }
    expect(fs.readFileSync(withRtcFile.logPath, "utf8")).toContain("Could not open RTC device");
  });

  it("gets the same answer from chronyc -c rtcdata on the host (the --ssh path) and from the client directly", async () => {
    const session = new LocalSession();
    try {
      expect(await new RemoteChronyc(session, ["chronyc", "-h", late.socketPath]).rtcData()).toBeNull();
    } finally {
      await session.close();
    }
    const client = new CmdmonClient({ host: "127.0.0.1", port: late.cmdPort });
    try {
      expect(await client.rtcData()).toBeNull();
    } finally {
      await client.close();
    }
  });
});

describe("cdktf-chrony waitsync", () => {
  it("waits for a chronyd that becomes synchronised after it started (its server comes up later), as chronyc waitsync does", async () => {
    const ours = cli("waitsync", `127.0.0.1:${late.cmdPort}`, "--interval", "1", "--timeout", "60");
    const theirs = runChronyc(["-h", late.socketPath, "waitsync", "60", "0", "0", "1"], 70_000);
    await new Promise((r) => setTimeout(r, 2500));
    daemons.push(
      await startChronyd({ name: "waitsync-server", ntpPort: serverPort, cmdAddresses: [], directives: ["local stratum 5", "allow 127.0.0.1"] }),
    );
    const [r, chronyc] = await Promise.all([ours, theirs]);
    expect(r.code, r.stderr).toBe(0);
    const tries = r.stdout.trim().split("\n");
    expect(tries[0]).toMatch(/^try: 1, refid: 00000000, correction: 0\.000000000, skew: 0\.000$/);
    expect(tries.at(-1)).toMatch(/^try: \d+, refid: 7F000001, correction: \d\.\d{9}, skew: \d+\.\d{3}$/);
    expect(tries.length).toBeGreaterThanOrEqual(3);
    // chronyc prints the same lines, and also ends on the server's refid.
    expect(chronyc.code).toBe(0);
    expect(chronyc.stdout.trim().split("\n").at(-1)).toMatch(/^try: \d+, refid: 7F000001, correction: \d\.\d{9}, skew: \d+\.\d{3}$/);
  });

  it("gives up on one that never synchronises within its timeout: exit 1, one line saying which host and why", async () => {
    const r = await cli("waitsync", `127.0.0.1:${never.cmdPort}`, "--interval", "1", "--timeout", "3");
    expect(r.code).toBe(1);
    expect(r.seconds).toBeLessThan(4.5);
    expect(r.stderr).toBe(
      `cdktf-chrony waitsync: 127.0.0.1:${never.cmdPort} is not synchronised after 3 s (3 tries): not synchronised: it has no reference, refid 00000000, leap status unsynchronised\n`,
    );
    const chronyc = await runChronyc(["-h", never.socketPath, "waitsync", "3", "0", "0", "1"]);
    expect(chronyc.code).toBe(1);
  });

  it("waits for every host of a synth output, by each host's command endpoint, and names the one that does not synchronise", async () => {
    const outdir = path.join(project, "cdktf.out");
    synthFleet(project, outdir, (stack) => {
      const host = (id: string, d: RunningChronyd, n: number) =>
        new ChronyHost(stack, id, {
          target: { address: `192.0.2.${n}`, hostKey: HostKeyPolicy.fingerprint(`SHA256:${"A".repeat(43)}`) },
          verify: { cmdEndpoint: `127.0.0.1:${d.cmdPort}` },
        });
      host("synced", late, 1);
      host("stuck", never, 2);
    });
    const all = await cli("waitsync", outdir, "--interval", "1", "--timeout", "3");
    expect(all.code).toBe(1);
    expect(all.stdout.split("\n")[0]).toMatch(/^HOST\s+SYNC\s+REFERENCE\s+CORRECTION\s+SKEW\s+WAITED\s+VIA\s+WHY NOT$/);
    expect(all.stdout).toMatch(/^stuck\s+no\s+00000000\s.*\sudp\s+not synchronised: it has no reference/m);
    expect(all.stdout).toMatch(/^synced\s+yes\s+127\.0\.0\.1\s.*\sudp\s+-$/m);
    expect(all.stderr.trim().split("\n").at(-1)).toBe(
      "cdktf-chrony waitsync: 1 of 2 host(s) not synchronised: stuck: not synchronised after 3 s (3 tries): not synchronised: it has no reference, refid 00000000, leap status unsynchronised",
    );
    const one = await cli("waitsync", outdir, "--host", "synced", "--timeout", "3", "--json");
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout).hosts).toEqual([expect.objectContaining({ host: "synced", synchronised: true, tries: 1, transport: "udp" })]);
  });
});
