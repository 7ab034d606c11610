import { execFile, spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHRONYC, CHRONYD, eventually, startTestFleet, type TestFleet } from "./chronyd";

// Captures real command-protocol exchanges of chronyd 4.3 as byte fixtures for the codec tests:
// chronyc itself talks to a test fleet's daemon (test/support/chronyd.ts) while strace records
// every datagram it sends and receives, and chronyc's own `-c` output is kept beside them. Run once
// and commit the result:
//
//   npm run build && node dist/test/support/capture-cmdmon-replies.js test/unit/cmdmon/fixtures/chronyd-4.3-replies.json
//
// Needs root (chronyd), strace and chronyc. Loopback only.

export interface CapturedExchange {
  /** The request datagram chronyc sent, hex. */
  readonly request: string;
  /** chronyd's reply to it, hex. */
  readonly reply: string;
}

export interface CapturedRun {
  /** What this run shows, e.g. "synchronised, every source answering". */
  readonly when: string;
  /** chronyc's arguments after the -h/-p that pick the daemon. */
  readonly args: readonly string[];
  /** Over the daemon's Unix socket (every command allowed) or UDP 127.0.0.1 (open commands only). */
  readonly transport: "unix" | "udp";
  /** chronyc's stdout: the same state as the replies, as chronyc prints it. */
  readonly stdout: string;
  readonly exchanges: readonly CapturedExchange[];
}

export interface CapturedReplies {
  readonly note: string;
  readonly chronyd: string;
  readonly chronyc: string;
  readonly fleet: string;
  readonly runs: readonly CapturedRun[];
}

const STRACE = "strace";

function output(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, [...args], { encoding: "utf8" }, (error, stdout, stderr) => (error ? reject(error) : resolve(`${stdout}${stderr}`.trim()))),
  );
}

/** The datagrams of one strace log: `sendto(3, "\x06\x01…", 104, …) = 104` and `recvfrom(…) = 104`. */
function datagrams(trace: string): { sent: Buffer[]; received: Buffer[] } {
  const sent: Buffer[] = [];
  const received: Buffer[] = [];
  for (const line of trace.split("\n")) {
    const m = /^(sendto|recvfrom|send|recv)\(\d+, "((?:\\x[0-9a-f]{2})*)"/.exec(line);
    if (!m) continue;
    const bytes = Buffer.from(m[2].replace(/\\x/g, ""), "hex");
    // Only command-protocol packets: version 6, type 1 (request) or 2 (reply).
    if (bytes[0] !== 6) continue;
    if (m[1].startsWith("send") && bytes[1] === 1) sent.push(bytes);
    if (m[1].startsWith("recv") && bytes[1] === 2) received.push(bytes);
  }
  return { sent, received };
}

async function capture(fleet: TestFleet, when: string, transport: "unix" | "udp", args: readonly string[]): Promise<CapturedRun> {
  const target = transport === "unix" ? ["-h", fleet.daemon.socketPath] : ["-h", "127.0.0.1", "-p", String(fleet.daemon.cmdPort)];
  const log = join(tmpdir(), `cdktf-chrony-capture-${process.pid}-${Date.now()}.strace`);
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(STRACE, ["-e", "trace=sendto,recvfrom,send,recv", "-xx", "-s", "4096", "-o", log, CHRONYC, ...target, ...args]);
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    child.once("error", reject);
    // chronyc exits 1 when chronyd refuses (501, 503): those runs are captured too.
    child.once("exit", () => resolve(text));
  });
  const { sent, received } = datagrams(await readFile(log, "utf8"));
  await rm(log, { force: true });
  const bySequence = new Map(sent.map((b) => [b.readUInt32BE(8), b]));
  const exchanges = received.map((reply) => {
    const request = bySequence.get(reply.readUInt32BE(16));
    if (!request) throw new Error(`chronyc ${args.join(" ")}: a reply with no request of its sequence`);
    return { request: request.toString("hex"), reply: reply.toString("hex") };
  });
  if (exchanges.length === 0) throw new Error(`chronyc ${args.join(" ")}: no exchange captured; is strace working?`);
  return { when, args, transport, stdout, exchanges };
}

async function main(outPath: string): Promise<void> {
  const fleet = await startTestFleet("capture");
  try {
    const runs: CapturedRun[] = [];
    const start = "seconds after start, before any source answered";
    runs.push(await capture(fleet, start, "unix", ["-c", "tracking"]));
    runs.push(await capture(fleet, start, "unix", ["-c", "-N", "sources"]));
    await eventually(
      "every NTP source to answer, the offset one to be a falseticker and the daemon to synchronise",
      async () => {
        const sources = (await fleet.daemon.chronyc(["-c", "sources"])).stdout
          .trim()
          .split("\n")
          .map((l) => l.split(","));
        const tracking = (await fleet.daemon.chronyc(["-c", "tracking"])).stdout.split(",");
        const answering = sources.filter((f) => ["127.0.0.1", "::1", "127.0.0.2"].includes(f[2]) && f[5] !== "0");
        return tracking[2] === "6" && answering.length === 3 && sources.some((f) => f[2] === "127.0.0.1" && f[1] === "x");
      },
      90_000,
    );
    const synced = "synchronised, every NTP source answering";
    for (const report of ["tracking", "sources", "sourcestats", "activity", "ntpdata", "authdata", "selectdata", "serverstats"]) {
      runs.push(await capture(fleet, synced, "unix", ["-c", report]));
    }
    runs.push(await capture(fleet, synced, "unix", ["-c", "-N", "sources"]));
    runs.push(await capture(fleet, `${synced}; NTP_DATA for an address that is no source (NOSUCHSOURCE)`, "unix", ["-c", "ntpdata", "192.0.2.1"]));
    runs.push(await capture(fleet, `${synced}; over UDP, where NTP_DATA is refused (UNAUTH)`, "udp", ["-c", "ntpdata"]));
    const captured: CapturedReplies = {
      note:
        "Real exchanges between chronyc and chronyd 4.3 (Debian 12) on loopback, recorded with strace by " +
        "test/support/capture-cmdmon-replies.ts against startTestFleet's daemon (servers localhost +0.01 s offset, ::1 with " +
        "key 1 SHA256, 127.0.0.3 unreachable noselect, peer 127.0.0.2, refclocks SHM 0 and SHM 1 refid GPS, local stratum 10). " +
        "Each run keeps chronyc's -c output of the same replies.",
      chronyd: await output(CHRONYD, ["-v"]),
      chronyc: await output(CHRONYC, ["-v"]),
      fleet: "startTestFleet (test/support/chronyd.ts)",
      runs,
    };
    await writeFile(outPath, `${JSON.stringify(captured, null, 1)}\n`);
    process.stdout.write(`${runs.length} runs, ${runs.reduce((n, r) => n + r.exchanges.length, 0)} exchanges written to ${outPath}\n`);
  } finally {
    await fleet.stop();
  }
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write("usage: node dist/test/support/capture-cmdmon-replies.js OUT.json\n");
    process.exitCode = 1;
  } else {
    main(out).catch((error: unknown) => {
      process.stderr.write(`capture failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
  }
}
