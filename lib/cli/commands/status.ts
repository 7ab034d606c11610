import type { CliCommand, CliIO } from "../command";
import { parseArgs } from "../args";
import { UserError } from "../../errors";
import { CmdmonClient, formatSources, formatTracking, isCmdmonError, parseEndpoint } from "../../cmdmon";
import { durationOption } from "../number-options";

const DEFAULT_TIMEOUT_MS = 1000;
const MAX_TIMEOUT_MS = 60_000;

const USAGE = "usage: cdktf-chrony status HOST[:PORT] [--json] [--timeout MS]";

const HELP = `${USAGE}

Show a chronyd's tracking and sources over the command protocol (UDP, cmdport 323 by
default), laid out like 'chronyc tracking' and 'chronyc -N sources'.

HOST is an IPv4 address, an IPv6 address (in brackets when a port follows) or a hostname.
The host must answer this machine: its address in chronyd's 'cmdallow', 'bindcmdaddress'
not loopback-only, and the UDP port open. Reports served only on chronyd's Unix socket
(ntpdata, authdata, selectdata, serverstats) are not shown: run chronyc on the host for those.

options:
  --json        print {"tracking": {...}, "sources": [...]}: numbers in seconds (ppm where
                the name says so), signs as 'chronyc -c' prints them, reach as a number
  --timeout MS  wait MS milliseconds for a reply, doubling on each of 3 tries (default ${DEFAULT_TIMEOUT_MS},
                at most ${MAX_TIMEOUT_MS})

examples:
  cdktf-chrony status 127.0.0.1
  cdktf-chrony status [::1]:11323 --json
  cdktf-chrony status ntp1.example.com --timeout 300
`;

async function run(args: readonly string[], io: CliIO): Promise<number> {
  const { positionals, options } = parseArgs(args, { command: "status", options: { json: "flag", timeout: "value" }, maxPositionals: 1 });
  const target = positionals[0];
  if (target === undefined) throw new UserError(`missing HOST: ${USAGE}`);
  const timeoutMs = durationOption("timeout", options.timeout, "milliseconds", MAX_TIMEOUT_MS) ?? DEFAULT_TIMEOUT_MS;
  const { host, port } = parseEndpoint(target);
  const client = new CmdmonClient({ host, port, timeoutMs });
  try {
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

export const command: CliCommand = {
  name: "status",
  summary: "tracking and sources of a chronyd, over the command protocol",
  help: HELP,
  run,
};
