import * as fs from "node:fs";
import { CmdmonClient, formatSyncTry, parseEndpoint, waitSync, type Tracking, type WaitSyncOptions, type WaitSyncResult } from "../../cmdmon";
import { connectHost, HostConnector } from "../../deploy/connect-host";
import { HostView } from "../../deploy/host-view";
import { readOutdir, selectHosts } from "../../deploy/outdir";
import { UserError } from "../../errors";
import { mapLimit } from "../../map-limit";
import { SshConnectionPool } from "../../ssh/pool";
import { parseArgs } from "../args";
import type { CliCommand, CliIO } from "../command";
import { formatTable } from "../format/table";
import { countOption, durationOption } from "../number-options";
import { chronycOverSsh, refuseSshOptionsWithoutSsh, SSH_HOST_OPTIONS } from "../ssh-host-options";

const DEFAULT_CONCURRENCY = 16;
const DEFAULT_INTERVAL_SECONDS = 10;

const HELP = `usage: cdktf-chrony waitsync HOST[:PORT]|OUTDIR [--max-correction S] [--max-skew PPM] [--timeout S] [--interval S] [--json]
       cdktf-chrony waitsync --ssh [USER@]HOST[:PORT] [--jump HOPS] [--identity FILE] [--known-hosts FILE] [--ssh-config FILE|none] [...]
       cdktf-chrony waitsync OUTDIR [--host ID] [--concurrency N] [...]

Waits until chronyd is synchronised, as 'chronyc waitsync' does: its reference is an NTP source or a
refclock (not none, not its own local clock), its remaining correction of the system clock is within
--max-correction and its skew within --max-skew. It asks TRACKING every --interval seconds, over the
command protocol (UDP) for HOST, with chronyc over SSH for --ssh, and for every host of a synth
output (OUTDIR, e.g. cdktf.out) by each host's verify.cmdEndpoint when it answers, else chronyc over SSH.

options:
  --max-correction S  the largest |correction| accepted, seconds (default 0: any, as chronyc)
  --max-skew PPM      the largest skew accepted (default 0: any)
  --timeout S         give up after S seconds (default: wait until synchronised, as chronyc without
                      max-tries)
  --interval S        between tries (default ${DEFAULT_INTERVAL_SECONDS}, as chronyc)
  --json              the result as JSON ({"hosts": [...]} for OUTDIR)
  --host ID           OUTDIR: only this host (or STACK/ID)
  --concurrency N     OUTDIR: hosts waited for at once (default ${DEFAULT_CONCURRENCY})
  with --ssh: --jump, --identity, --known-hosts, --ssh-config as for 'cdktf-chrony status --ssh'

exit status: 0 when every host is synchronised within the bounds, 1 otherwise (which host, and why)

examples:
  cdktf-chrony waitsync 192.0.2.10 --max-correction 0.01 --timeout 120
  cdktf-chrony waitsync cdktf.out --timeout 300 --interval 5
  cdktf-chrony waitsync --ssh deploy@10.0.0.3 --jump jump@bastion.example.net --timeout 60
`;

/** A bound where 0 means none, as chronyc's arguments: a number ≥ 0. */
function limitOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(text)) throw new UserError(`invalid --${name} '${text}': use a number ≥ 0 (0: no bound)`);
  return Number(text);
}

/** What a result says in one line: "synchronised to 192.0.2.1 in 4.2 s" or the problem. */
function verdictLine(r: WaitSyncResult, timeoutSeconds: number | undefined): string {
  if (r.synchronised)
    return `synchronised to ${r.tracking?.refName || r.tracking?.refId} in ${r.seconds.toFixed(1)} s (${r.tries} ${r.tries === 1 ? "try" : "tries"})`;
  return `not synchronised after ${timeoutSeconds ?? r.seconds.toFixed(1)} s (${r.tries} ${r.tries === 1 ? "try" : "tries"}): ${r.problem}`;
}

async function run(args: readonly string[], io: CliIO): Promise<number> {
  const { positionals, options } = parseArgs(args, {
    command: "waitsync",
    options: {
      "max-correction": "value",
      "max-skew": "value",
      timeout: "value",
      interval: "value",
      json: "flag",
      host: "value",
      concurrency: "value",
      ...SSH_HOST_OPTIONS,
    },
    maxPositionals: 1,
  });
  const target = positionals[0];
  if (target === undefined)
    throw new UserError("missing HOST or OUTDIR: usage: cdktf-chrony waitsync HOST[:PORT]|OUTDIR [--timeout S]; see 'cdktf-chrony waitsync --help'");
  const timeoutSeconds = durationOption("timeout", options.timeout, "seconds");
  const wait: WaitSyncOptions = {
    maxCorrectionSeconds: limitOption("max-correction", options["max-correction"]),
    maxSkewPpm: limitOption("max-skew", options["max-skew"]),
    timeoutSeconds,
    intervalSeconds: durationOption("interval", options.interval, "seconds") ?? DEFAULT_INTERVAL_SECONDS,
  };
  const isOutdir = !options.ssh && fs.existsSync(target) && fs.statSync(target).isDirectory();
  if (!isOutdir && (options.host !== undefined || options.concurrency !== undefined)) {
    throw new UserError(
      `option --${options.host !== undefined ? "host" : "concurrency"} is for a synth output (OUTDIR): '${target}' is not a folder`,
    );
  }
  if (!options.ssh) refuseSshOptionsWithoutSsh(options);
  if (isOutdir)
    return waitForOutdir(target, options.host, countOption("concurrency", options.concurrency) ?? DEFAULT_CONCURRENCY, wait, options.json, io);

  let tracking: () => Promise<Tracking>;
  let where: string;
  let close: () => Promise<void>;
  if (options.ssh) {
    const remote = await chronycOverSsh(target, options, io);
    tracking = () => remote.chronyc.tracking();
    where = target;
    close = remote.close;
  } else {
    const { host, port } = parseEndpoint(target);
    const client = new CmdmonClient({ host, port, timeoutMs: 1000 });
    tracking = () => client.tracking();
    where = client.endpoint;
    close = () => client.close();
  }
  let result: WaitSyncResult;
  try {
    result = await waitSync(tracking, { ...wait, onTry: options.json ? undefined : (t) => io.stdout(`${formatSyncTry(t)}\n`) });
  } finally {
    await close().catch(() => undefined);
  }
  if (options.json) io.stdout(`${JSON.stringify({ host: where, ...result }, null, 2)}\n`);
  if (!result.synchronised) throw new UserError(`${where} is ${verdictLine(result, timeoutSeconds)}`);
  return 0;
}

interface HostWait extends WaitSyncResult {
  readonly host: string;
  readonly stack: string;
  readonly transport: "udp" | "ssh";
}

/** Every host of a synth output at once (a bound at a time), each through its HostView (UDP, else chronyc over SSH). */
async function waitForOutdir(
  outdir: string,
  hostId: string | undefined,
  concurrency: number,
  wait: WaitSyncOptions,
  json: boolean,
  io: CliIO,
): Promise<number> {
  const hosts = selectHosts(readOutdir(outdir), hostId);
  io.stderr(`waitsync: ${hosts.length} host(s), ${concurrency} at a time\n`);
  const pool = new SshConnectionPool();
  const connect: HostConnector = (m, o) => connectHost(m, { ...o, pool });
  let done = 0;
  const results: HostWait[] = await mapLimit(
    hosts,
    concurrency,
    async ({ manifest, projectDir }) => {
      const view = new HostView(manifest, { projectDir, connect, log: (l) => io.stderr(`${l}\n`) });
      try {
        const r = await waitSync(() => view.tracking(), wait);
        return { host: manifest.id, stack: manifest.stack, transport: view.transport, ...r };
      } finally {
        await view.close();
      }
    },
    (r) => io.stderr(`waitsync: [${++done}/${hosts.length}] ${r.host}: ${verdictLine(r, wait.timeoutSeconds)}\n`),
  ).finally(() => pool.close());
  if (json) {
    io.stdout(`${JSON.stringify({ hosts: results }, null, 2)}\n`);
  } else {
    io.stdout(
      formatTable(
        ["HOST", "SYNC", "REFERENCE", "CORRECTION", "SKEW", "WAITED", "VIA", "WHY NOT"],
        results.map((r) => [
          r.host,
          r.synchronised ? "yes" : "no",
          r.tracking ? r.tracking.refName || r.tracking.refId : "-",
          r.tracking ? `${Math.abs(r.tracking.systemTimeOffset).toFixed(9)} s` : "-",
          r.tracking ? `${r.tracking.skewPpm.toFixed(3)} ppm` : "-",
          `${r.seconds.toFixed(1)} s`,
          r.transport,
          r.problem ?? "-",
        ]),
      ),
    );
  }
  const failed = results.filter((r) => !r.synchronised);
  if (failed.length === 0) return 0;
  io.stderr(
    `cdktf-chrony waitsync: ${failed.length} of ${results.length} host(s) not synchronised: ${failed.map((r) => `${r.host}: ${verdictLine(r, wait.timeoutSeconds)}`).join("; ")}\n`,
  );
  return 1;
}

export const command: CliCommand = {
  name: "waitsync",
  summary: "wait until chronyd is synchronised, as chronyc waitsync, on one host or a whole synth output",
  help: HELP,
  run,
};
