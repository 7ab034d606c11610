import { mapLimit } from "../../map-limit";
import { connectHost, HostConnector } from "../../deploy/connect-host";
import { readHosts, selectHosts } from "../../deploy/outdir";
import { SshConnectionPool } from "../../ssh/pool";
import { HostVerification, verifyHost } from "../../deploy/verify";
import { parseArgs } from "../args";
import { CliCommand } from "../command";
import { formatTable } from "../format/table";
import { countOption, durationOption } from "../number-options";
import { UserError } from "../../errors";
import { checkReportFile, reportFormat, writeReportFile } from "../report-options";
import { verifyJUnit, verifyMarkdown } from "../../report/verify-report";

const DEFAULT_CONCURRENCY = 16;

export const command: CliCommand = {
  name: "verify",
  summary: "check deployed hosts: sources present, reachable, authenticated",
  help: `usage: cdktf-chrony verify [OUTDIR|BUNDLE] [--host ID[,ID...]] [--json | --format F] [--junit FILE] [--timeout SECONDS]
                           [--concurrency N] [--require-synchronised] [--max-offset SECONDS] [--gate NAME]

Checks every host of a synth output (default ./cdktf.out), or of one stack's chrony-hosts.jsonl,
against its manifest:
  - every configured source is present in chronyd and has answered (reach > 0), waiting up to
    the timeout for iburst to do its work
  - sources with a key (or NTS) are authenticated ('ntpdata' over SSH: Authenticated: Yes);
    NTS sources also by 'authdata': mode NTS, cookies held, no NAK. An NTS source whose NTS-KE
    failed is reported with the reason (an issuer the host does not trust, a name the server's
    certificate lacks, as synth foresaw it, or what to check)
  - chronyd is synchronised, when the host's verify props ask for it
tracking and sources come over chronyd's UDP command protocol when the host's verify.cmdEndpoint is
reachable from here, otherwise from 'chronyc -c' over SSH.

options:
  --host ID          only this host (or STACK/ID); several separated by commas
  --json             {"hosts":[{"host","result","synchronised","sources":[...],"problems":[...]}]}
                     (the same as --format json)
  --format F         text (default), markdown (one line when every host verifies, else a table of
                     the failed and unreachable hosts with their problems), or json
  --junit FILE       also write a JUnit XML report: one test case per host, a failure per host
                     that did not verify, an error per host that could not be queried
  --timeout S        how long to wait for sources (default: each host's verify.timeoutSeconds, 30)
  --concurrency N    hosts checked at once (default ${DEFAULT_CONCURRENCY})
  --require-synchronised
                     also require chronyd to be synchronised (leap status not unsynchronised;
                     serving its local clock counts)
  --max-offset S     also require |system time offset| and |last offset| to be at most S seconds
  --gate NAME        a rollout's health gate (what its provisioner runs): one line per failed
                     host naming the checks it failed, and a verdict line naming the gate

exit status: 0 all verified, 2 a check failed, 1 a host could not be queried

example:
  cdktf-chrony verify cdktf.out --host client-1
`,
  async run(args, io) {
    const { positionals, options } = parseArgs(args, {
      command: "verify",
      options: {
        json: "flag",
        format: "value",
        junit: "value",
        host: "value",
        timeout: "value",
        concurrency: "value",
        "require-synchronised": "flag",
        "max-offset": "value",
        gate: "value",
      },
      maxPositionals: 1,
    });
    const format = reportFormat(options);
    if (options.junit !== undefined) checkReportFile("--junit", options.junit);
    const timeoutSeconds = durationOption("timeout", options.timeout, "seconds");
    const concurrency = countOption("concurrency", options.concurrency) ?? DEFAULT_CONCURRENCY;
    const maxOffsetSeconds = durationOption("max-offset", options["max-offset"], "seconds");
    const gate = options.gate;
    if (gate !== undefined && (options.json || options.format !== undefined))
      throw new UserError("--gate prints its verdict as text: leave out --json and --format");
    const hosts = selectHosts(readHosts(positionals[0] ?? "cdktf.out"), options.host);
    io.stderr(`verify: ${hosts.length} host(s), ${concurrency} at a time\n`);
    let done = 0;
    // Hosts behind one bastion share one connection to it for the whole run.
    const pool = new SshConnectionPool();
    const connect: HostConnector = (m, o) => connectHost(m, { ...o, pool });
    const results: HostVerification[] = await mapLimit(
      hosts,
      concurrency,
      (h) =>
        verifyHost(h.manifest, {
          timeoutSeconds,
          log: (l) => io.stderr(`${l}\n`),
          projectDir: h.projectDir,
          connect,
          requireSynchronised: options["require-synchronised"],
          maxOffsetSeconds,
        }),
      (r) => io.stderr(`verify: [${++done}/${hosts.length}] ${r.host}: ${r.result}${r.problems.length ? ` (${r.problems[0]})` : ""}\n`),
    ).finally(() => pool.close());
    if (options.junit !== undefined) writeReportFile("--junit", options.junit, verifyJUnit(results));
    if (gate !== undefined) {
      io.stdout(gateVerdict(gate, results));
    } else if (format === "markdown") {
      io.stdout(verifyMarkdown(results));
    } else if (format === "json") {
      io.stdout(`${JSON.stringify({ hosts: results }, null, 2)}\n`);
    } else {
      io.stdout(
        formatTable(
          ["HOST", "RESULT", "SYNC", "SOURCES", "VIA", "PROBLEMS"],
          results.map((r) => [
            r.host,
            r.result,
            r.synchronised === undefined ? "-" : r.synchronised ? "yes" : r.localReference ? "local" : "no",
            `${r.sources.filter((s) => s.ok).length}/${r.sources.length}`,
            r.transport ?? "-",
            r.problems.join("; ") || "-",
          ]),
        ),
      );
    }
    if (results.some((r) => r.result === "error")) return 1;
    return results.some((r) => r.result === "failed") ? 2 : 0;
  },
};

/**
 * A gate's verdict, for the deploy log: one line per host that failed, with every check it failed,
 * then one line that names the gate and says what happens next.
 */
function gateVerdict(gate: string, results: readonly HostVerification[]): string {
  const failed = results.filter((r) => r.result !== "verified");
  if (failed.length === 0) return `gate ${gate}: passed: ${results.length} host(s) healthy\n`;
  const lines = failed.map(
    (r) => `gate ${gate}: ${r.host} (${r.address}) ${r.result === "error" ? "could not be checked" : "failed"}: ${r.problems.join("; ")}\n`,
  );
  return `${lines.join("")}gate ${gate}: FAILED: ${failed.length} of ${results.length} host(s) (${failed.map((r) => r.host).join(", ")}); the next waves were not deployed: fix the app and run cdktf deploy again\n`;
}
