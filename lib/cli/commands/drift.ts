import { connectHost, HostConnector } from "../../deploy/connect-host";
import { checkDrift, HostDrift } from "../../deploy/drift";
import { healHost, HealResult } from "../../deploy/heal";
import { mapLimit } from "../../map-limit";
import { readOutdir, selectHosts } from "../../deploy/outdir";
import { SshConnectionPool } from "../../ssh/pool";
import { parseArgs } from "../args";
import { CliCommand } from "../command";
import { formatTable } from "../format/table";
import { countOption } from "../number-options";
import { checkReportFile, reportFormat, writeReportFile } from "../report-options";
import { driftJUnit, driftMarkdown } from "../../report/drift-report";
import { mdText } from "../../report/markdown";

const DEFAULT_CONCURRENCY = 16;

export const command: CliCommand = {
  name: "drift",
  summary: "compare hosts with what was deployed (exit 2 on drift)",
  help: `usage: cdktf-chrony drift [OUTDIR] [--json | --format F] [--junit FILE] [--heal] [--host ID] [--concurrency N]

For each host manifest in a synth output (default ./cdktf.out), compares the host with what was
deployed:
  - chrony.conf and the managed sources file (digests)
  - chrony.keys, key by key, by keyed fingerprint (the material is never printed)
  - other *.sources files in the managed sourcedir
  - chronyd's live sources: missing ones, extra ones (added at runtime with 'chronyc add'),
    keyed sources answering without authentication, NTS sources whose NTS-KE failed (with the
    reason), a stopped chronyd
  - the NTS server key by keyed fingerprint; NTS certificates and trusted CAs past their end or
    within their hard limit (drift), or within renewBeforeDays (a warning line, not drift)
Hosts are checked concurrently (--concurrency, default ${DEFAULT_CONCURRENCY}) with progress on stderr.

options:
  --json           {"hosts":[{"host","stack","status","differences":[{"kind","subject","detail"}],"warnings":[...]}],
                    "summary":{"clean","drift","error"}} (the same as --format json)
  --format F       text (default), markdown (for CI pages: one line when clean, else a table of
                   the drifted and unreachable hosts with what differs), or json
  --junit FILE     also write a JUnit XML report: one test case per host, a failure per drifted
                   host saying what differs, an error per host that could not be checked
  --heal           re-apply to drifted hosts (safe apply), delete runtime-added sources, then
                   check again
  --host ID        only this host
  --concurrency N  hosts at once

exit status: 0 no drift (or all healed), 2 drift, 1 a host could not be checked (listed apart)

The fingerprint salt must be the one used at synth: the project's .chrony-keys/fingerprint.salt,
or CDKTF_CHRONY_FINGERPRINT_SALT in CI.

examples (nightly CI):
  npx cdktf synth && npx cdktf-chrony drift cdktf.out --json > drift.json
  npx cdktf-chrony drift --format markdown --junit reports/drift.xml >> "$GITHUB_STEP_SUMMARY"
`,
  async run(args, io) {
    const { positionals, options } = parseArgs(args, {
      command: "drift",
      options: { json: "flag", format: "value", junit: "value", heal: "flag", host: "value", concurrency: "value" },
      maxPositionals: 1,
    });
    const format = reportFormat(options);
    if (options.junit !== undefined) checkReportFile("--junit", options.junit);
    const concurrency = countOption("concurrency", options.concurrency) ?? DEFAULT_CONCURRENCY;
    const hosts = selectHosts(readOutdir(positionals[0] ?? "cdktf.out"), options.host);
    const log = (l: string) => io.stderr(`${l}\n`);
    io.stderr(`drift: checking ${hosts.length} host(s), ${concurrency} at a time\n`);
    let done = 0;
    // Hosts behind one bastion share one connection to it for the whole run.
    const pool = new SshConnectionPool();
    const connect: HostConnector = (m, o) => connectHost(m, { ...o, pool });
    let results: HostDrift[] = await mapLimit(
      hosts,
      concurrency,
      (h) => checkDrift(h.manifest, { log, projectDir: h.projectDir, connect }),
      (r) =>
        io.stderr(
          `drift: [${++done}/${hosts.length}] ${r.host}: ${r.status}${r.status === "drift" ? ` (${r.differences.length} difference(s))` : r.error ? ` (${r.error})` : ""}\n`,
        ),
    );
    let healed: HealResult[] = [];
    if (options.heal) {
      const drifted = results.filter((r) => r.status === "drift");
      io.stderr(`drift: healing ${drifted.length} host(s)\n`);
      healed = await mapLimit(drifted, concurrency, (r) => {
        const h = hosts.find((x) => x.manifest.id === r.host && x.manifest.stack === r.stack)!;
        return healHost(h.manifest, r, log, h.projectDir, connect);
      }).finally(() => pool.close());
      results = results.map((r) => healed.find((h) => h.host === r.host && h.after.stack === r.stack)?.after ?? r);
    }
    await pool.close();
    const summary = {
      clean: results.filter((r) => r.status === "clean").length,
      drift: results.filter((r) => r.status === "drift").length,
      error: results.filter((r) => r.status === "error").length,
    };
    if (options.junit !== undefined) writeReportFile("--junit", options.junit, driftJUnit(results));
    if (format === "markdown") {
      io.stdout(driftMarkdown(results));
      if (healed.length > 0)
        io.stdout(`\nhealed: ${healed.map((h) => mdText(`${h.host} (${h.apply.action} ${h.apply.result}, now ${h.after.status})`)).join(", ")}\n`);
    } else if (format === "json") {
      io.stdout(
        `${JSON.stringify({ hosts: results, summary, ...(options.heal ? { healed: healed.map((h) => ({ host: h.host, action: h.apply.action, result: h.apply.result, runtimeFixes: h.runtimeFixes, status: h.after.status })) } : {}) }, null, 2)}\n`,
      );
    } else {
      const checked = results.filter((r) => r.status !== "error");
      io.stdout(
        formatTable(
          ["HOST", "STATUS", "DIFFERENCES"],
          checked.flatMap((r) =>
            r.differences.length === 0
              ? [[r.host, r.status, "-"]]
              : r.differences.map((d, i) => [i === 0 ? r.host : "", i === 0 ? r.status : "", d.detail]),
          ),
        ),
      );
      for (const r of results) for (const w of r.warnings) io.stdout(`warning: ${r.host}: ${w}\n`);
      for (const h of healed)
        io.stdout(
          `healed ${h.host}: ${h.apply.action} ${h.apply.result}${h.runtimeFixes.length ? `, ${h.runtimeFixes.join(", ")}` : ""} → ${h.after.status}\n`,
        );
      const errors = results.filter((r) => r.status === "error");
      if (errors.length > 0) {
        io.stdout(`\nnot checked (errors):\n`);
        io.stdout(
          formatTable(
            ["HOST", "ADDRESS", "ERROR"],
            errors.map((r) => [r.host, r.address, r.error ?? ""]),
          ),
        );
      }
      io.stdout(`\n${summary.clean} clean, ${summary.drift} drifted, ${summary.error} not checked\n`);
    }
    if (summary.error > 0) return 1;
    return summary.drift > 0 ? 2 : 0;
  },
};
