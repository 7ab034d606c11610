import { UserError } from "../../errors";
import { generateKey, parseKeygenArgs } from "../../keys/keygen";
import { parseArgs } from "../args";
import { CliCommand } from "../command";

export const command: CliCommand = {
  name: "keygen",
  summary: "generate a key line, as `chronyc keygen` does",
  help: `usage: cdktf-chrony keygen [ID [TYPE [BITS]]]

Prints a random key line for chrony.keys, exactly as 'chronyc keygen' does:
'ID TYPE HEX:...' with ID 1, type SHA1 and 160 bits by default. IDs go from 1 to 4294967295
(chrony reads 0 as "no key"). Lengths are rounded up to whole bytes and clamped to 80..4096
bits; AES128 and AES256 always have their exact size.

Types: MD5, SHA1, SHA256, SHA384, SHA512, SHA3-224, SHA3-256, SHA3-384, SHA3-512, AES128, AES256.

The line is a secret: put its HEX: part where the key's source reads it (an environment variable,
a file outside git, a secret manager), never in the app's code.

example:
  cdktf-chrony keygen 10 SHA256 256
`,
  async run(args, io) {
    const { positionals } = parseArgs(args, { command: "keygen", maxPositionals: 3 });
    const request = parseKeygenArgs(positionals);
    if (request.id === 0) throw new UserError("invalid key ID '0': chrony reads key ID 0 as \"no key\"; use a whole number from 1 to 4294967295");
    const key = generateKey(request);
    io.stdout(`${key.line}\n`);
    key.material.fill(0);
    return 0;
  },
};
