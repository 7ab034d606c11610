import * as fs from "node:fs";
import type { CliCommand, CliIO } from "../command";
import { parseArgs } from "../args";
import { UserError } from "../../errors";
import { CmdmonClient, formatRtcData, formatSources, formatTracking, isCmdmonError, parseEndpoint, type RtcReport } from "../../cmdmon";
import { countOption, durationOption } from "../number-options";
import { chronycOverSsh, refuseSshOptionsWithoutSsh, SSH_HOST_OPTIONS, type SshHostOptions } from "../ssh-host-options";

const DEFAULT_TIMEOUT_MS = 1000;
const MAX_TIMEOUT_MS = 60_000;
const DEFAULT_CONCURRENCY = 64;

const USAGE = "usage: cdktf-chrony status HOST[:PORT]|OUTDIR [--rtc] [--json] [--format markdown] [--timeout MS] [--concurrency N]";
const SSH_USAGE =
  "       cdktf-chrony status --ssh [USER@]HOST[:PORT] [--jump HOPS] [--identity FILE] [--known-hosts FILE] [--ssh-config FILE|none] [--rtc] [--json]";

const HELP = `${USAGE}
${SSH_USAGE}

Show a chronyd's tracking and sources over the command protocol (UDP, cmdport 323 by
default), laid out like 'chronyc tracking' and 'chronyc -N sources'.

With a synth output folder (OUTDIR, e.g. cdktf.out) or a stack's chrony-hosts.jsonl, show every
host of it in one call: one line per host (synchronised to, stratum, offset, worst source), worst
first, then a summary line. Hosts with a verify.cmdEndpoint are asked over UDP, many at once;
the others with 'chronyc -c' over SSH. Exit status 0 when every host answered, 2 otherwise.

HOST is an IPv4 address, an IPv6 address (in brackets when a port follows) or a hostname.
The host must answer this machine: its address in chronyd's 'cmdallow', 'bindcmdaddress'
not loopback-only, and the UDP port open. Reports served only on chronyd's Unix socket
(ntpdata, authdata, selectdata, serverstats) are not shown: run chronyc on the host for those.

options:
  --json           print {"tracking": {...}, "sources": [...]}: numbers in seconds (ppm where
                   the name says so), signs as 'chronyc -c' prints them, reach as a number;
                   for OUTDIR {"hosts": [{"host", "stack", "address", "via", "result",
                   "tracking", "sources", "worstSource", "error"}], "summary": {...}}, worst first
  --format F       OUTDIR only: text (default) or markdown (a table, e.g. for a CI summary)
  --rtc            the real-time clock chronyd tracks instead, laid out like 'chronyc rtcdata'
                   (--json: {"rtc": {...}}); a host whose chronyd tracks none (no rtcfile, or
                   rtcsync as Debian and RHEL ship) says "no RTC" ({"rtc": null}), exit 0
  --timeout MS     wait MS milliseconds for a reply, doubling on each of 3 tries (default ${DEFAULT_TIMEOUT_MS},
                   at most ${MAX_TIMEOUT_MS})
  --concurrency N  OUTDIR only: hosts asked at once over UDP (default ${DEFAULT_CONCURRENCY}; over SSH at most 16)

With --ssh, HOST is an SSH destination and 'chronyc -c tracking' and 'chronyc -c sources' run on it
(through sudo when the user is not root), so a host behind a bastion, or one whose command port is
closed to this machine, can be shown too. As with ssh, ~/.ssh/config is read for the destination
and the jump hosts (HostName, User, Port, IdentityFile, ProxyJump, UserKnownHostsFile,
StrictHostKeyChecking); options on the command line win. Host keys are always checked
(~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts unless --known-hosts or the config says otherwise).

options with --ssh:
  --jump HOPS          jump hosts, [USER@]HOST[:PORT] separated by commas, as ssh -J
  --identity FILE      private key, also for jump hosts the config names none for
                       (default: the config's IdentityFile, else the ssh-agent)
  --known-hosts FILE   known_hosts for the destination (default: the config's, else ~/.ssh/known_hosts)
  --ssh-config FILE    OpenSSH client config to read, or 'none' (default ~/.ssh/config)
  the user defaults to the config's User, else root

examples:
  cdktf-chrony status cdktf.out
  cdktf-chrony status cdktf.out --format markdown >> "$GITHUB_STEP_SUMMARY"
  cdktf-chrony status 127.0.0.1
  cdktf-chrony status [::1]:11323 --json
  cdktf-chrony status 192.0.2.10 --rtc
  cdktf-chrony status ntp1.example.com --timeout 300
  cdktf-chrony status --ssh deploy@10.0.0.3 --jump jump@bastion.example.net
`;

async function run(args: readonly string[], io: CliIO): Promise<number> {
  const { positionals, options } = parseArgs(args, {
    command: "status",
    options: {
      json: "flag",
      rtc: "flag",
      timeout: "value",
      format: "value",
      concurrency: "value",
      ...SSH_HOST_OPTIONS,
    },
    maxPositionals: 1,
  });
  const target = positionals[0];
  if (target === undefined) throw new UserError(`missing HOST or OUTDIR: ${USAGE}`);
  if (options.ssh) return statusOverSsh(target, options, io);
  refuseSshOptionsWithoutSsh(options);
  const timeoutMs = durationOption("timeout", options.timeout, "milliseconds", MAX_TIMEOUT_MS) ?? DEFAULT_TIMEOUT_MS;
  if (isSynthOutput(target)) {
    if (options.rtc) throw new UserError(`--rtc is for one host, not a synth output ('${target}'): name the host, e.g. status 10.0.0.1 --rtc`);
    return fleet(target, options, timeoutMs, io);
  }
  if (options.format !== undefined || options.concurrency !== undefined) {
    throw new UserError(
      `--${options.format !== undefined ? "format" : "concurrency"} is for a synth output (status OUTDIR), not one host '${target}'`,
    );
  }
  const { host, port } = parseEndpoint(target);
  const client = new CmdmonClient({ host, port, timeoutMs });
  try {
    if (options.rtc) {
      printRtc(await client.rtcData(), client.endpoint, options.json, io);
      return 0;
    }
    const [tracking, sources] = await Promise.all([client.tracking(), client.sources()]);
    if (options.json) {
      io.stdout(`${JSON.stringify({ tracking, sources }, null, 2)}\n`);
    } else {
      io.stdout(`${formatTracking(tracking)}\n${formatSources(sources)}`);
    }
    return 0;
  } catch (error) {
    if (isCmdmonError(error)) throw new UserError(error.message);
    throw error;
  } finally {
    await client.close();
  }
}

/** A synth output folder, or a stack's bundle, rather than a host: it exists here. */
function isSynthOutput(target: string): boolean {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  return stat !== undefined && (stat.isDirectory() || (stat.isFile() && target.endsWith(".jsonl")));
}

/** `status OUTDIR`: every host, worst first, then a summary; exit 2 when a host did not answer. */
async function fleet(
  outdir: string,
  options: { readonly json: boolean; readonly format?: string; readonly concurrency?: string },
  timeoutMs: number,
  io: CliIO,
): Promise<number> {
  const format = options.format ?? "text";
  if (format !== "text" && format !== "markdown") throw new UserError(`invalid --format '${format}': use text or markdown`);
  if (options.json && options.format !== undefined) throw new UserError("--json and --format do not go together: pick one");
  const concurrency = countOption("concurrency", options.concurrency, 4096) ?? DEFAULT_CONCURRENCY;
  // Loaded only here: `status HOST` stays as light as it was.
  const { readHosts } = await import("../../deploy/outdir.js");
  const { fleetStatus, compareStatus, summarize } = await import("../../deploy/fleet-status.js");
  const { formatFleetStatus } = await import("../format/fleet-status.js");
  const hosts = readHosts(outdir);
  const statuses = (await fleetStatus(hosts, { udpConcurrency: concurrency, sshConcurrency: Math.min(16, concurrency), timeoutMs })).sort(
    compareStatus,
  );
  const summary = summarize(statuses);
  if (options.json) io.stdout(`${JSON.stringify({ hosts: statuses, summary }, null, 2)}\n`);
  else io.stdout(formatFleetStatus(statuses, summary, format));
  return summary.notAnswering > 0 ? 2 : 0;
}

/** The RTC report, or one line saying there is none (not an error: the host keeps no RTC through chronyd). */
function printRtc(rtc: RtcReport | null, where: string, json: boolean, io: CliIO): void {
  if (json) io.stdout(`${JSON.stringify({ rtc }, null, 2)}\n`);
  else if (rtc) io.stdout(formatRtcData(rtc));
  else {
    io.stdout(
      `no RTC: chronyd on ${where} tracks no real-time clock (status NORTC, chronyc's "513 RTC driver not running"): it needs rtcfile and an RTC device it can use; a host with rtcsync lets the kernel keep its RTC instead\n`,
    );
  }
}

interface SshOptions extends SshHostOptions {
  readonly json: boolean;
  readonly rtc: boolean;
  readonly timeout: string | undefined;
}

/** tracking and sources from `chronyc -c` on the host, over SSH (jump hosts and ~/.ssh/config honoured). */
async function statusOverSsh(text: string, options: SshOptions, io: CliIO): Promise<number> {
  if (options.timeout !== undefined) throw new UserError("option --timeout is for the command protocol over UDP: drop it with --ssh");
  const { chronyc, close } = await chronycOverSsh(text, options, io);
  try {
    if (options.rtc) {
      printRtc(await chronyc.rtcData(), text, options.json, io);
      return 0;
    }
    const tracking = await chronyc.tracking();
    const sources = await chronyc.sources();
    if (options.json) io.stdout(`${JSON.stringify({ tracking, sources }, null, 2)}\n`);
    else io.stdout(`${formatTracking(tracking)}\n${formatSources(sources)}`);
    return 0;
  } catch (error) {
    if (isCmdmonError(error)) throw new UserError(`${text}: ${error.message}`);
    throw error;
  } finally {
    await close();
  }
}

export const command: CliCommand = {
  name: "status",
  summary: "tracking and sources of a chronyd, over the command protocol",
  help: HELP,
  run,
};
