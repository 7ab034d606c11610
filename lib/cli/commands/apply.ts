import { applyHost, summaryLine } from "../../deploy/apply";
import { writeApplyRecord } from "../../deploy/apply-record";
import { BUNDLE_FILE, readBundleHost, readManifest } from "../../manifest";
import * as path from "node:path";
import { UserError } from "../../errors";
import { durationOption } from "../number-options";
import { findProjectDir } from "../../project";
import { parseArgs } from "../args";
import { CliCommand, CliIO } from "../command";
import type { HostConnector } from "../../deploy/connect-host";

export const command: CliCommand = {
  name: "apply",
  summary: "apply one host manifest over SSH (what the provisioner runs)",
  help: `usage: cdktf-chrony apply ${BUNDLE_FILE} --host ID [--json]
       cdktf-chrony apply MANIFEST.json [--json]

Applies one host's manifest the safe way. Synth writes the manifests of a stack's hosts to
cdktf.out/stacks/<stack>/${BUNDLE_FILE}; each host's push resource runs
'cdktf-chrony apply --host ID ${BUNDLE_FILE}' there during 'cdktf deploy'. A single manifest
file comes from 'cdktf-chrony inspect --host ID --manifest > host.json'.

Steps (one SSH command; progress is printed as each step happens on the host):
  1. read the key material from its sources (nothing is written if a key is missing)
  2. connect over SSH, checking the host key (known_hosts or a pinned fingerprint)
  3. take the host's lock (a second apply waits, then fails naming the run that holds it), and
     finish any earlier run that was interrupted (its journal is beside chrony.conf)
  4. compare the live files with the manifest: content, mode and owner
  5. stage changed files beside their targets, with the profile's owner and mode
  6. validate with 'chronyd -p' on the host
  7. swap atomically, keeping the previous files until chronyd is verified
  8. take the least disruptive action: 'chronyc reload sources' (sources only), 'chronyc rekey'
     (keys only), or a restart (anything else)
  9. verify chronyd answers and lists every source, then commit
Any failure after the swap restores the previous files and brings chronyd back as it was. If the
run is cut off (timeout, lost connection), a second connection finishes it; what is still left is
reported by 'cdktf-chrony drift' and finished by the next apply.

Progress goes to stderr; a one-line summary (host, action, result, seconds) to stdout.
Exit status: 0 applied or unchanged, 1 failed (the message names the step and quotes chronyd).
The last result of each host is kept in cdktf.out/stacks/<stack>/chrony-apply-results/.

options:
  --host ID       the host to apply, from a ${BUNDLE_FILE}
  --json          print the result as JSON instead of the summary line
  --lock-wait S   wait up to S seconds for another run on the same host (default 120); then fail,
                  naming the run that holds it
  --timeout S     give up on the host after S seconds (default 300): the run is killed there and
                  rolled back over a new connection

examples:
  cd cdktf.out/stacks/fleet && cdktf-chrony apply ${BUNDLE_FILE} --host server-a
  cdktf-chrony inspect --host server-a --manifest > server-a.json && cdktf-chrony apply server-a.json
`,
  run: (args, io) => runApply(args, io),
};

/** `apply`, with how to reach the host (the deploy agent watches its sessions, to end them if its client goes away). */
export async function runApply(args: readonly string[], io: CliIO, hooks: { readonly connect?: HostConnector } = {}): Promise<number> {
  const { positionals, options } = parseArgs(args, {
    command: "apply",
    options: { json: "flag", host: "value", "lock-wait": "value", timeout: "value" },
    maxPositionals: 1,
  });
  const lockWaitSeconds = durationOption("lock-wait", options["lock-wait"], "seconds", 86_400);
  const timeoutSeconds = durationOption("timeout", options.timeout, "seconds", 86_400);
  const file = positionals[0];
  const host = options.host;
  if (!file) {
    throw new UserError(
      `apply needs a manifest: '${BUNDLE_FILE} --host ID' (what the provisioner runs), or a file from 'cdktf-chrony inspect --host ID --manifest'`,
    );
  }
  let manifest;
  if (file.endsWith(".jsonl")) {
    if (!host) throw new UserError(`${file} holds every host of a stack: add --host ID`);
    manifest = readBundleHost(file, host);
  } else {
    manifest = readManifest(file);
    if (host !== undefined && host !== manifest.id)
      throw new UserError(`${file} is the manifest of ${manifest.id}, not ${host}: drop --host or pass ${host}'s manifest`);
  }
  const result = await applyHost(manifest, {
    log: (line) => io.stderr(`${line}\n`),
    projectDir: findProjectDir(path.dirname(path.resolve(file))),
    lockWaitSeconds,
    timeoutSeconds,
    // Test-only: the fault suite makes the host hang or drop the connection at a chosen step.
    faultHook: process.env.CDKTF_CHRONY_FAULT_HOOK || undefined,
    connect: hooks.connect,
  });
  for (const w of result.warnings) io.stderr(`[${manifest.id}] warning: ${w}\n`);
  try {
    // Beside the bundle: the stack's folder of the synth output.
    writeApplyRecord(path.dirname(path.resolve(file)), result);
  } catch {
    // A read-only output folder must not fail an apply that worked.
  }
  io.stdout(options.json ? `${JSON.stringify(result)}\n` : `${summaryLine(result)}\n`);
  return result.result === "ok" || result.result === "unchanged" ? 0 : 1;
}
