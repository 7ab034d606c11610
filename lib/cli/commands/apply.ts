import { applyHost, summaryLine } from "../../deploy/apply";
import { writeApplyRecord } from "../../deploy/apply-record";
import { readManifest } from "../../deploy/manifest";
import { UserError } from "../../errors";
import { parseArgs } from "../args";
import { CliCommand } from "../command";

export const command: CliCommand = {
  name: "apply",
  summary: "apply one host manifest over SSH (what the provisioner runs)",
  help: `usage: cdktf-chrony apply MANIFEST [--json]

Applies one host's manifest (cdktf.out/stacks/<stack>/chrony-hosts/<host>.json) the safe way:
  1. read the key material from its sources (nothing is written if a key is missing)
  2. connect over SSH, checking the host key (known_hosts or a pinned fingerprint)
  3. compare the live files with the manifest (digests only)
  4. stage changed files beside their targets, with the profile's owner and mode
  5. validate with 'chronyd -p' on the host
  6. swap atomically, keeping the previous files as backups
  7. take the least disruptive action: 'chronyc reload sources' (sources only), 'chronyc rekey'
     (keys only), or a restart (anything else)
  8. verify chronyd answers and lists every source
Any failure after the swap restores the previous files and brings chronyd back as it was.

Progress goes to stderr; a one-line summary (host, action, result, seconds) to stdout.
Exit status: 0 applied or unchanged, 1 failed (the message names the step and quotes chronyd).

The provisioner of each host's push resource runs this during 'cdktf deploy'.

options:
  --json   print the result as JSON instead of the summary line

example:
  cdktf-chrony apply cdktf.out/stacks/fleet/chrony-hosts/server-a.json
`,
  async run(args, io) {
    const { positionals, flags } = parseArgs(args, { command: "apply", booleans: ["json"], maxPositionals: 1 });
    const file = positionals[0];
    if (!file) throw new UserError("apply needs a host manifest: cdktf-chrony apply cdktf.out/stacks/<stack>/chrony-hosts/<host>.json");
    const manifest = readManifest(file);
    const result = await applyHost(manifest, { log: (line) => io.stderr(`${line}\n`) });
    for (const w of result.warnings) io.stderr(`[${manifest.id}] warning: ${w}\n`);
    try {
      writeApplyRecord(file, result);
    } catch {
      // A read-only output folder must not fail an apply that worked.
    }
    io.stdout(flags.has("json") ? `${JSON.stringify(result)}\n` : `${summaryLine(result)}\n`);
    return result.result === "ok" || result.result === "unchanged" ? 0 : 1;
  },
};
