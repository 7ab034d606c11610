import * as path from "node:path";
import { UserError } from "../../errors";
import { AUTHORITY_NAME, loadAuthority } from "../../keys/nts/authority";
import { certificateFacts } from "../../keys/nts/certificate-facts";
import { findProjectDir } from "../../project";
import { parseArgs } from "../args";
import { CliCommand } from "../command";
import { countOption } from "../number-options";

const USAGE = "usage: cdktf-chrony ca init NAME [--key-store DIR] [--common-name CN] [--days N] [--json]";

export const command: CliCommand = {
  name: "ca",
  summary: "create the private NTS certificate authority of a project (its key stays in the key store)",
  help: `${USAGE}

Creates a private certificate authority for NTS in the project's key store, as synth does on first
use for an NtsCertificateAuthority named NAME: an EC P-256 key (0600, in a 0700 folder) and its
self-signed certificate, in <key store>/nts/NAME/. The key never leaves that folder; keep the key
store out of git (and back it up: every certificate the CA issued depends on it). An existing CA is
never replaced: the command prints it and exits 0.

Synth issues each NTS server of the app a certificate from it, for the names its clients use, and
re-issues one only when its names change, the CA changed, or it is within renewBeforeDays of its
end. 'cdktf-chrony keys' shows the certificates; 'cdktf-chrony drift' warns as they near their end.

options:
  --key-store DIR     the key store folder (default .chrony-keys in the project folder)
  --common-name CN    the CA's subject common name (default "cdktf-chrony NTS CA NAME")
  --days N            how long the CA is valid (default 3650)
  --json              {"name","created","certificate","subject","sha256","notAfter"}

example:
  cdktf-chrony ca init fleet-ca      # then: new NtsCertificateAuthority(stack, "FleetCa", { name: "fleet-ca" })
`,
  async run(args, io) {
    const { positionals, options } = parseArgs(args, {
      command: "ca",
      options: { "key-store": "value", "common-name": "value", days: "value", json: "flag" },
      maxPositionals: 2,
    });
    const [verb, name] = positionals;
    if (verb !== "init") throw new UserError(`${verb === undefined ? "missing subcommand" : `unknown subcommand '${verb}'`}: ${USAGE}`);
    if (name === undefined) throw new UserError(`ca init needs the authority's NAME (its folder in the key store): ${USAGE}`);
    if (!AUTHORITY_NAME.test(name))
      throw new UserError(`invalid NAME '${name}': use letters, digits, '.', '_' and '-' (it names a folder in the key store)`);
    const commonName = options["common-name"] ?? `cdktf-chrony NTS CA ${name}`;
    if (commonName.trim() === "" || commonName.length > 64)
      throw new UserError(`invalid --common-name ${JSON.stringify(commonName)}: give 1 to 64 characters`);
    const validityDays = countOption("days", options.days, 36_500) ?? 3650;
    const projectDir = findProjectDir(process.cwd());
    const keyStore = options["key-store"] ?? ".chrony-keys";
    const ca = loadAuthority({ keyStore, name, commonName, validityDays }, projectDir, { create: true });
    const facts = certificateFacts(ca.certificate);
    const certificate = path.join(ca.dir, "ca.crt");
    if (options.json) {
      io.stdout(
        `${JSON.stringify({ name, created: ca.created, certificate, subject: facts.subject, sha256: facts.sha256, notAfter: facts.notAfter })}\n`,
      );
    } else {
      io.stdout(
        `${ca.created ? "created" : "already exists"}: NTS authority ${name} (${facts.subject}), valid until ${facts.notAfter}\n` +
          `  certificate: ${certificate}\n  fingerprint: ${facts.sha256}\n  private key: ${path.join(ca.dir, "ca.key")} (never printed; keep the key store out of git)\n`,
      );
    }
    return 0;
  },
};
