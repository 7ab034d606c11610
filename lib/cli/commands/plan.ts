import { readOutdir, selectHosts } from "../../deploy/outdir";
import { HostPlan, planHost } from "../../deploy/plan";
import { mapLimit } from "../../map-limit";
import { planMarkdown, planSentence, planText } from "../../report/plan-report";
import { parseArgs } from "../args";
import { CliCommand } from "../command";
import { countOption, durationOption } from "../number-options";
import { reportFormat } from "../report-options";

const DEFAULT_CONCURRENCY = 16;

export const command: CliCommand = {
  name: "plan",
  summary: "per host: the files apply would change and the action it would take (read-only)",
  help: `usage: cdktf-chrony plan [OUTDIR] [--json | --format F] [--host ID] [--concurrency N] [--lock-wait S]

For each host of a synth output (default ./cdktf.out), says what 'cdktf-chrony apply' would do
there, without changing anything: it reads the host over SSH, under the host's lock (so never in
the middle of an apply), with the rules apply uses:
  - the files that would change: chrony.conf and the sources file by content (with the lines
    that would go and come), or only their mode or owner (fixed in place); chrony.keys key by
    key by keyed fingerprint (its content is never read out or shown)
  - the action: reload sources (only sources changed), rekey (only keys), restart (chrony.conf
    changed: makestep is re-armed), start (chronyd is not running), or nothing; and why
  - hosts apply would stop on (keys on the host the app does not declare), an interrupted apply
    that would be finished first, foreign sources files
It ends with one sentence for the PR: "3 hosts reload sources, 1 restarts (chrony.conf: makestep
changed), 1 unchanged".

options:
  --json           {"hosts":[{"host","stack","status","action","reason","files":[{"role","path",
                    "change","summary","removed","added"}],"notes"}],"summary":"..."}
                   (the same as --format json)
  --format F       text (default), markdown (for a PR or MR comment, or a job summary), or json
  --host ID        only this host (or STACK/ID)
  --concurrency N  hosts read at once (default ${DEFAULT_CONCURRENCY})
  --lock-wait S    wait up to S seconds for an apply in progress on a host (default 60)

The fingerprint salt must be the one used at synth (.chrony-keys/fingerprint.salt, or
CDKTF_CHRONY_FINGERPRINT_SALT); the key material is not needed.

exit status: 0 every host was read (whatever would change), 1 a host could not be read

example (a pull request's job):
  npx cdktf synth && npx cdktf-chrony plan --format markdown >> "$GITHUB_STEP_SUMMARY"
`,
  async run(args, io) {
    const { positionals, options } = parseArgs(args, {
      command: "plan",
      options: { json: "flag", format: "value", host: "value", concurrency: "value", "lock-wait": "value" },
      maxPositionals: 1,
    });
    const format = reportFormat(options);
    const concurrency = countOption("concurrency", options.concurrency) ?? DEFAULT_CONCURRENCY;
    const lockWaitSeconds = durationOption("lock-wait", options["lock-wait"], "seconds", 86_400);
    const hosts = selectHosts(readOutdir(positionals[0] ?? "cdktf.out"), options.host);
    io.stderr(`plan: reading ${hosts.length} host(s), ${concurrency} at a time\n`);
    let done = 0;
    const plans: HostPlan[] = await mapLimit(
      hosts,
      concurrency,
      (h) => planHost(h.manifest, { log: (l) => io.stderr(`${l}\n`), projectDir: h.projectDir, lockWaitSeconds }),
      (p) =>
        io.stderr(
          `plan: [${++done}/${hosts.length}] ${p.host}: ${p.status === "error" ? `not read (${p.error})` : p.status === "change" ? p.action : p.status}\n`,
        ),
    );
    if (format === "json") io.stdout(`${JSON.stringify({ hosts: plans, summary: planSentence(plans) }, null, 2)}\n`);
    else io.stdout(format === "markdown" ? planMarkdown(plans) : planText(plans));
    return plans.some((p) => p.status === "error") ? 1 : 0;
  },
};
