import { describeKeySource } from "../../keys/key-source";
import { describeNtsKeySource } from "../../keys/nts/private-key";
import { HostManifest } from "../../manifest";
import { readOutdir, selectHosts } from "../../deploy/outdir";
import { UserError } from "../../errors";
import { parseArgs } from "../args";
import { CliCommand } from "../command";
import { formatTable } from "../format/table";

/** chrony.keys as inspect shows it: IDs, types and fingerprints; the material is never read. */
function redactedKeyFile(m: HostManifest): string {
  const lines = m.keys.entries.map((k) => `${k.id} ${k.type} <redacted ${k.fingerprint}; source: ${describeKeySource(k.source)}>`);
  return `${["# chrony.keys: material redacted (cdktf-chrony never writes it to the synth output)", ...lines].join("\n")}\n`;
}

export const command: CliCommand = {
  name: "inspect",
  summary: "hosts in a synth output and their files (secrets redacted)",
  help: `usage: cdktf-chrony inspect [OUTDIR] [--json] [--host ID [--manifest]]

Lists the chrony hosts of a synth output (default ./cdktf.out) and the files each will receive:
chrony.conf, the managed sources file, and chrony.keys with the key material redacted (only key
IDs, types, keyed fingerprints and where the material comes from).

options:
  --json       {"hosts":[{"id","stack","address","files":{"<path on host>":"<content>"}}]}
  --host ID    only this host (or STACK/ID)
  --manifest   with --host: print the host's manifest (no secrets), for 'cdktf-chrony apply FILE'

example:
  npm run synth && cdktf-chrony inspect cdktf.out --json
`,
  async run(args, io) {
    const { positionals, options } = parseArgs(args, {
      command: "inspect",
      options: { json: "flag", manifest: "flag", host: "value" },
      maxPositionals: 1,
    });
    const host = options.host;
    if (options.manifest && host === undefined) throw new UserError("--manifest prints one host's manifest: add --host ID");
    const hosts = selectHosts(readOutdir(positionals[0] ?? "cdktf.out"), host).map((f) => f.manifest);
    if (options.manifest) {
      io.stdout(`${JSON.stringify(hosts[0], null, 2)}\n`);
      return 0;
    }
    if (options.json) {
      const out = hosts.map((m) => ({
        id: m.id,
        stack: m.stack,
        address: m.target.address,
        profile: m.profile.name,
        chronyVersion: m.chronyVersion,
        files: {
          ...Object.fromEntries(m.files.map((f) => [f.path, f.content])),
          [m.keys.path]: redactedKeyFile(m),
          ...(m.nts?.key
            ? { [m.nts.key.path]: `<NTS private key redacted ${m.nts.key.fingerprint}; source: ${describeNtsKeySource(m.nts.key.source)}>\n` }
            : {}),
        },
        warnings: m.warnings,
      }));
      io.stdout(`${JSON.stringify({ hosts: out }, null, 2)}\n`);
      return 0;
    }
    io.stdout(
      formatTable(
        ["HOST", "STACK", "ADDRESS", "PROFILE", "CHRONY", "SOURCES", "KEYS", "FILES"],
        hosts.map((m) => [
          m.id,
          m.stack,
          `${m.target.address}:${m.target.port}`,
          m.profile.name,
          m.chronyVersion,
          String(m.verify.sources.length),
          m.keys.entries.map((k) => `${k.id}/${k.type}`).join(",") || "-",
          [...m.files.map((f) => f.path), m.keys.path, ...(m.nts?.key ? [m.nts.key.path] : [])].join(" "),
        ]),
      ),
    );
    for (const m of hosts) for (const w of m.warnings) io.stderr(`warning: ${w}\n`);
    return 0;
  },
};
