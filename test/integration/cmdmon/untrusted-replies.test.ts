import { afterEach, describe, expect, it } from "vitest";
import { CmdmonClient, isCmdmonError, type CmdmonError } from "../../../lib/cmdmon";
import { LyingChronyd, type Lie } from "./lying-chronyd";

// The client against a chronyd that lies (lying-chronyd.ts, on 127.0.0.1): every call ends within
// its deadline with a CmdmonError saying what was wrong, with at most maxInFlight requests on the
// wire, or, where the lie is harmless (duplicates), with the right answer.

const TIMEOUT_MS = 100;
// 100 + 200 + 400 ms: the client's default deadline for 3 tries.
const DEADLINE_MS = 700;
// Timers and a busy 2-core machine: how late a deadline may fire.
const SLACK_MS = 250;

let fake: LyingChronyd | undefined;
let client: CmdmonClient | undefined;
afterEach(async () => {
  await client?.close();
  await fake?.close();
  client = fake = undefined;
});

async function against(lie: Lie, options?: Parameters<typeof LyingChronyd.start>[1], timeoutMs = TIMEOUT_MS): Promise<CmdmonClient> {
  fake = await LyingChronyd.start(lie, options);
  client = new CmdmonClient({ host: "127.0.0.1", port: fake.port, timeoutMs });
  return client;
}

/** The error a call fails with, and how long after the call it failed. */
async function failure(call: () => Promise<unknown>): Promise<{ error: CmdmonError; elapsedMs: number }> {
  const started = performance.now();
  try {
    await call();
  } catch (error) {
    const elapsedMs = performance.now() - started;
    if (!isCmdmonError(error)) throw error;
    expect(error.message).not.toContain("\n");
    return { error, elapsedMs };
  }
  throw new Error("expected the call to fail");
}

describe("a chronyd announcing absurd source counts", () => {
  it.each([1_000_000, 2 ** 32 - 1])("N_SOURCES = %d: sources() and sourceStats() refuse it at once, naming field and value", async (count) => {
    const c = await against({ kind: "count", count });
    for (const call of [() => c.sources(), () => c.sourceStats()]) {
      const { error, elapsedMs } = await failure(call);
      expect(error.code).toBe("malformed");
      expect(error.message).toBe(
        `N_SOURCES reply announces ${count} sources (field n_sources), more than the 65536 this client accepts from any chronyd: check that the port is chronyd's cmdport`,
      );
      expect(elapsedMs).toBeLessThanOrEqual(DEADLINE_MS + SLACK_MS);
    }
    // Not one SOURCE_DATA request was sent for the announced sources.
    expect(fake!.received.get(15) ?? 0).toBe(0);
  });

  it("N_SOURCES = 65,536 (the cap), each answered after 2 ms: at most 16 requests in flight, the deadline ends the listing", async () => {
    // Tries long enough that no 2 ms reply is ever given up on, even on a loaded machine: the fake
    // then sees exactly the requests the client still waits for (a try the client abandoned would
    // count at the fake until answered).
    const c = await against({ kind: "count", count: 65_536 }, { delayMs: 2 }, 1000);
    const deadline = 1000 + 2000 + 4000;
    const { error, elapsedMs } = await failure(() => c.sources());
    expect(error.code).toBe("timeout");
    expect(error.message).toMatch(
      new RegExp(`^no reply to SOURCE_DATA from 127\\.0\\.0\\.1:${fake!.port} within the call's ${deadline} ms deadline`),
    );
    expect(elapsedMs).toBeLessThanOrEqual(deadline + SLACK_MS);
    expect(fake!.maxOutstanding).toBeLessThanOrEqual(16);
    expect(fake!.maxOutstanding).toBeGreaterThan(1);
    expect(fake!.requests).toBeLessThan(65_536);
  });
});

describe("the deadline holds across rounds", () => {
  it("a slow N_SOURCES then silence: sources() fails at the call's deadline, not a whole retry cycle later", async () => {
    // N_SOURCES is answered after 300 ms (the first try's late reply is taken); SOURCE_DATA never.
    const c = await against({ kind: "sources-never-answered" }, { nSourcesDelayMs: 300 });
    const { error, elapsedMs } = await failure(() => c.sources());
    expect(error.code).toBe("timeout");
    expect(error.message).toContain("within the call's 700 ms deadline");
    expect(elapsedMs).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
    expect(elapsedMs).toBeLessThanOrEqual(DEADLINE_MS + SLACK_MS);
  });
});

describe("replies chronyc would not take are ignored", () => {
  it.each([
    [{ kind: "truncated" } as Lie, "TRACKING reply with code 5 is 100 bytes; that code needs 104"],
    [{ kind: "oversized" } as Lie, "TRACKING reply is 112 bytes, longer than the 104-byte request"],
    [{ kind: "wrong-sequence" } as Lie, "which no request in flight has"],
  ])("%j: every try is waited out, then a timeout says what was ignored", async (lie, ignored) => {
    const c = await against(lie);
    const { error, elapsedMs } = await failure(() => c.tracking());
    expect(error.code).toBe("timeout");
    expect(error.message).toMatch(new RegExp(`^no valid reply from 127\\.0\\.0\\.1:${fake!.port}: 3 datagrams were ignored \\(last: `));
    expect(error.message).toContain(ignored);
    expect(fake!.received.get(33)).toBe(3);
    expect(elapsedMs).toBeLessThanOrEqual(DEADLINE_MS + SLACK_MS);
  });

  it("replies from another port never reach the client (connected socket): a plain timeout", async () => {
    const c = await against({ kind: "other-port" });
    const { error, elapsedMs } = await failure(() => c.tracking());
    expect(error.code).toBe("timeout");
    expect(error.message).toBe(
      `no reply from 127.0.0.1:${fake!.port}: is this address in cmdallow, bindcmdaddress not loopback-only, and UDP ${fake!.port} open?`,
    );
    expect(fake!.received.get(33)).toBe(3);
    expect(elapsedMs).toBeLessThanOrEqual(DEADLINE_MS + SLACK_MS);
  });

  it("duplicated and replayed replies: each request takes one answer, the list is exactly chronyd's", async () => {
    const honest = await against({ kind: "count", count: 6 });
    const expected = await honest.sources();
    await honest.close();
    await fake!.close();
    const c = await against({ kind: "duplicate" });
    expect(await c.sources()).toEqual(expected);
    expect(expected).toHaveLength(6);
    expect(await c.tracking()).toEqual(await c.tracking());
  });
});

describe("replies chronyc would refuse fail the call", () => {
  it("a success with another report's reply code: unexpected-reply at once", async () => {
    const c = await against({ kind: "wrong-reply-code" });
    const { error, elapsedMs } = await failure(() => c.tracking());
    expect(error.code).toBe("unexpected-reply");
    expect(error.message).toBe("TRACKING got reply code 2, expected 5");
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS);
  });
});
