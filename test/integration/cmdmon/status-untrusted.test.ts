import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LyingChronyd, type Lie } from "./lying-chronyd";

// The built CLI, `node dist/lib/cli/main.js status 127.0.0.1:PORT --timeout MS`, against a chronyd
// that lies (lying-chronyd.ts): one line on stderr, exit 1, within the time --timeout allows, and a
// peak RSS (measured on the child process itself) under 100 MB.

const ROOT = join(__dirname, "../../..");
const CLI = join(ROOT, "dist/lib/cli/main.js");
const TIMEOUT_MS = 100;
// --timeout is the first try's wait, doubled for each of 3 tries: 100 + 200 + 400 ms in all.
const ALLOWED_MS = 7 * TIMEOUT_MS;
const MAX_RSS_KB = 100 * 1024;
const GNU_TIME = "/usr/bin/time";

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
  /** The child's peak resident set, KB. */
  readonly maxRssKb: number;
}

let scratch: string;
let startupMs = 0;

/**
 * Runs the CLI as a child and reads its peak RSS as the kernel accounted it: GNU time's %M where
 * installed, else a node wrapper that runs the same main() and reports process.resourceUsage().
 */
async function cli(args: readonly string[]): Promise<Run> {
  const rssFile = join(scratch, `rss-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  const wrapper = `const { main } = require(${JSON.stringify(CLI)});
main(process.argv.slice(1), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then((code) => {
  require("node:fs").writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS));
  process.exitCode = code;
});`;
  const [file, argv] = existsSync(GNU_TIME)
    ? [GNU_TIME, ["-f", "%M", "-o", rssFile, process.execPath, CLI, ...args]]
    : [process.execPath, ["-e", wrapper, ...args]];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    child.once("error", reject);
    child.once("close", async (code) => {
      const elapsedMs = performance.now() - started;
      const rss = (await readFile(rssFile, "utf8")).trim().split("\n").pop() ?? "";
      resolve({ code, stdout, stderr, elapsedMs, maxRssKb: Number(rss) });
    });
  });
}

function newestMtime(dir: string): number {
  return Math.max(
    ...readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => statSync(join(dir, f)).mtimeMs),
  );
}

beforeAll(async () => {
  const built = join(ROOT, "dist/lib/cmdmon/client.js");
  if (!existsSync(built) || statSync(built).mtimeMs < newestMtime(join(ROOT, "lib/cmdmon"))) {
    throw new Error("dist/ is missing or older than lib/cmdmon: run 'npm run build' first");
  }
  scratch = await mkdtemp(join(tmpdir(), "cdktf-chrony-status-untrusted-"));
  // How long the CLI takes to start and exit here, measured now, so the bound below is about the
  // status command and not about this machine's load.
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push((await cli(["--version"])).elapsedMs);
  startupMs = runs.sort((a, b) => a - b)[1];
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

let fake: LyingChronyd | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe("cdktf-chrony status against a lying chronyd", () => {
  it("measures a real child RSS", async () => {
    const run = await cli(["--version"]);
    expect(run.code).toBe(0);
    expect(run.maxRssKb).toBeGreaterThan(10 * 1024);
  });

  it.each([
    [{ kind: "count", count: 1_000_000 } as Lie, /^cdktf-chrony status: N_SOURCES reply announces 1000000 sources \(field n_sources\)/],
    [{ kind: "count", count: 2 ** 32 - 1 } as Lie, /^cdktf-chrony status: N_SOURCES reply announces 4294967295 sources \(field n_sources\)/],
    // Within the cap, every source answered at once: the deadline ends the listing.
    [
      { kind: "count", count: 65_536 } as Lie,
      /^cdktf-chrony status: no reply to (SOURCE_DATA|NTP_SOURCE_NAME) from 127\.0\.0\.1:\d+ within the call's 700 ms deadline/,
    ],
    [
      { kind: "truncated" } as Lie,
      /^cdktf-chrony status: no valid reply from 127\.0\.0\.1:\d+: \d+ datagrams were ignored \(last: .* that code needs \d+\)/,
    ],
    [
      { kind: "wrong-sequence" } as Lie,
      /^cdktf-chrony status: no valid reply from 127\.0\.0\.1:\d+: \d+ datagrams were ignored \(last: a reply with sequence \d+, which no request in flight has\)/,
    ],
    [{ kind: "other-port" } as Lie, /^cdktf-chrony status: no reply from 127\.0\.0\.1:\d+: is this address in cmdallow/],
  ])("%j: one line, exit 1, within --timeout's 700 ms, under 100 MB", async (lie, line) => {
    fake = await LyingChronyd.start(lie);
    const run = await cli(["status", `127.0.0.1:${fake.port}`, "--timeout", String(TIMEOUT_MS)]);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(line);
    expect(run.stderr.endsWith("\n")).toBe(true);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.code).toBe(1);
    expect(run.elapsedMs, `startup alone took ${Math.round(startupMs)} ms`).toBeLessThanOrEqual(startupMs + ALLOWED_MS + 500);
    expect(run.maxRssKb).toBeGreaterThan(0);
    expect(run.maxRssKb).toBeLessThan(MAX_RSS_KB);
  });
});
