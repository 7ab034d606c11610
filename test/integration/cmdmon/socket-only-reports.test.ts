import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chronycArgs,
  chronycFailure,
  parseChronycAuthData,
  parseChronycNtpData,
  parseChronycSelectData,
  parseChronycServerStats,
  parseChronycSources,
  CmdmonClient,
  isCmdmonError,
} from "../../../lib/cmdmon";
import { eventually, runChronyc, startTestFleet, type TestFleet } from "../../support/chronyd";

// ntpdata, authdata, selectdata and serverstats are served only on chronyd's Unix socket: the
// deploy code reads them by running `chronyc -c` on the host. Here chronyc runs against the test
// daemon's socket, built with chronycArgs exactly as the deploy code builds it.

const UNAUTH_ADVICE = "this command is only served on chronyd's Unix socket (run chronyc on the host, e.g. over SSH)";

let fleet: TestFleet;
let client: CmdmonClient;
let prefix: string[];

async function report(command: Parameters<typeof chronycArgs>[1], options: Parameters<typeof chronycArgs>[2] = {}): Promise<string> {
  const [, ...args] = chronycArgs(prefix, command, options);
  const run = await runChronyc(args);
  if (run.code !== 0) throw chronycFailure(run.stdout, run.stderr, run.code);
  return run.stdout;
}

beforeAll(async () => {
  fleet = await startTestFleet("cmdmon-socket");
  prefix = ["chronyc", "-h", fleet.daemon.socketPath];
  client = new CmdmonClient({ host: "127.0.0.1", port: fleet.daemon.cmdPort });
  await eventually("the servers to answer and the offset one to be marked a falseticker", async () => {
    const data = parseChronycNtpData(await report("ntpdata"));
    const select = parseChronycSelectData(await report("selectdata"));
    return data.filter((d) => d.totalGoodRx > 0).length >= 3 && select.some((s) => s.address === "127.0.0.1" && s.stateChar === "x");
  });
});

afterAll(async () => {
  await client?.close();
  await fleet?.stop();
});

describe("reports read with chronyc -c over the Unix socket", () => {
  it("ntpdata: one entry per NTP source; the keyed one authenticated", async () => {
    const data = parseChronycNtpData(await report("ntpdata"));
    const byAddress = new Map(data.map((d) => [d.remoteAddress, d]));
    expect([...byAddress.keys()].sort()).toEqual(["127.0.0.1", "127.0.0.2", "127.0.0.3", "::1"]);
    expect(byAddress.get("::1")).toMatchObject({
      authenticated: true,
      mode: "server",
      remotePort: fleet.reference.ntpPort,
      stratum: 5,
      localAddress: "::1",
    });
    expect(byAddress.get("127.0.0.1")).toMatchObject({ authenticated: false, interleaved: false, mode: "server", leapStatus: "normal", version: 4 });
    expect(byAddress.get("127.0.0.2")).toMatchObject({ mode: "symmetricPassive", authenticated: false });
    expect(byAddress.get("127.0.0.3")).toMatchObject({ remotePort: fleet.closedPort, localAddress: null, mode: "unknown", totalRx: 0 });
    expect(byAddress.get("::1")?.tests).toEqual({
      test1: true,
      test2: true,
      test3: true,
      test5: true,
      test6: true,
      test7: true,
      testA: true,
      testB: true,
      testC: expect.any(Boolean),
      testD: true,
    });
    // One source by address, as the deploy code asks about a single server.
    const one = parseChronycNtpData(await report("ntpdata", { address: "::1" }));
    expect(one).toHaveLength(1);
    expect(one[0].remoteAddress).toBe("::1");
  });

  it("authdata: the keyed source shows its key; names from a -N run", async () => {
    const data = parseChronycAuthData(await report("authdata"), await report("authdata", { names: true }));
    const keyed = data.find((d) => d.address === "::1");
    expect(keyed).toMatchObject({ mode: "symmetric", keyId: 1, keyType: 3, keyLengthBits: 256, lastKeAgo: null });
    expect(data.find((d) => d.address === "127.0.0.1")).toMatchObject({ name: "localhost", mode: "none", keyId: 0 });
    expect(data).toHaveLength(4);
  });

  it("selectdata: same sources in the same order as the UDP client's list, options as configured", async () => {
    const select = parseChronycSelectData(await report("selectdata"), await report("selectdata", { names: true }));
    const sources = await client.sources();
    expect(select.map((s) => s.address)).toEqual(sources.map((s) => s.address));
    expect(select.map((s) => s.name)).toEqual(sources.map((s) => s.name));
    const byAddress = new Map(select.map((s) => [s.address, s]));
    expect(byAddress.get("127.0.0.3")?.configuredOptions.noselect).toBe(true);
    expect(byAddress.get("127.0.0.3")?.stateChar).toBe("N");
    expect(byAddress.get("::1")?.authenticated).toBe(true);
    expect(byAddress.get("127.0.0.1")?.stateChar).toBe("x");
    // chrony 4.x (authselectmode mix): an authenticated source is effectively trusted and required.
    expect(byAddress.get("::1")?.effectiveOptions).toMatchObject({ trust: true, require: true });
    expect(byAddress.get("::1")?.configuredOptions).toMatchObject({ trust: false, require: false });
  });

  it("serverstats: counts the command requests just made", async () => {
    const first = parseChronycServerStats(await report("serverstats"));
    await client.tracking();
    const second = parseChronycServerStats(await report("serverstats"));
    expect(second.cmdHits).toBeGreaterThanOrEqual(first.cmdHits + 2);
    // The daemon under test serves no NTP clients; the reference serves it.
    expect(second.ntpHits).toBe(0);
    const reference = await fleet.reference.chronyc(["-c", "serverstats"]);
    expect(parseChronycServerStats(reference.stdout).ntpHits).toBeGreaterThan(0);
  });

  it("sources -a -N: the argv helper's options reach chronyc", async () => {
    const all = parseChronycSources(await report("sources", { all: true }), await report("sources", { all: true, names: true }));
    expect(all.find((s) => s.address === "127.0.0.1")?.name).toBe("localhost");
  });
});

describe("the same reports over UDP are refused with the Unix-socket advice", () => {
  it.each([
    ["NTP_DATA", () => client.ntpData("127.0.0.1")],
    ["AUTH_DATA", () => client.authData("::1")],
    ["SELECT_DATA", () => client.selectData(0)],
    ["SERVER_STATS", () => client.serverStats()],
  ] as const)("%s", async (name, call) => {
    await expect(call()).rejects.toMatchObject({
      code: "unauthorised",
      status: 2,
      message: `chronyd refused ${name} (status UNAUTH): ${UNAUTH_ADVICE}`,
    });
  });

  it("chronyc -c over UDP prints 501, which the reader reports the same way", async () => {
    const run = await runChronyc(["-h", "127.0.0.1", "-p", String(fleet.daemon.cmdPort), "-c", "ntpdata"]);
    expect(run.code).not.toBe(0);
    expect(run.stdout.trim()).toBe("501 Not authorised");
    const error = chronycFailure(run.stdout, run.stderr, run.code);
    expect(isCmdmonError(error) && error.code).toBe("unauthorised");
    expect(() => parseChronycNtpData(run.stdout)).toThrow(/only served on chronyd's Unix socket/);
  });
});
