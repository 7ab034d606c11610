import { UserError } from "../../errors";
import { parseArgs } from "../args";
import type { CliCommand, CliIO } from "../command";
import { formatTable } from "../format/table";
import { countOption } from "../number-options";
import {
  DEFAULT_FIRST_ADDRESS,
  DEFAULT_HOST_COUNT,
  MAX_HOSTS,
  sandboxDown,
  sandboxStatus,
  sandboxUp,
  type SandboxHost,
  type StopOutcome,
} from "../../sandbox";

const DEFAULT_DIR = ".sandbox";
// chronyd's reference ID when it serves its own clock (`local` directive): 127.127.1.1.
const LOCAL_REF_ID = "7F7F0101";

const HELP = `usage: cdktf-chrony sandbox up [--hosts N] [--dir DIR] [--first-address ADDR] [--json]
       cdktf-chrony sandbox status [--dir DIR] [--json]
       cdktf-chrony sandbox down [--dir DIR] [--purge] [--json]

A local fleet for trying cdktf-chrony without touching real hosts: per host an sshd and a chronyd
on its own loopback address, with its files under DIR/hosts/hN/root laid out as on Debian. h1 serves
its local clock (stratum 8); the other hosts take time from h1. To deploy an app to it, give each
ChronyHost a host's address, SSH port and the controller key from DIR/sandbox.json, and
'profile: HostProfiles.sandbox({ root, address, ntpPort, cmdPort })'.
Needs root, chronyd and sshd (Debian: apt-get install chrony openssh-server).

  up       create or repair the sandbox; idempotent: running hosts are left alone, dead daemons are
           restarted, a larger --hosts adds hosts. Progress goes to stderr.
  status   per host: sshd and chronyd running (pid), chronyd's reference and stratum.
           Exit 0 when every daemon runs, 3 when some do not.
  down     stop the sandbox's own sshd and chronyd processes, by pid. Files are kept.

options:
  --hosts N              number of hosts, 1 to ${MAX_HOSTS} (default: the existing count, or ${DEFAULT_HOST_COUNT})
  --dir DIR              sandbox folder (default: ${DEFAULT_DIR})
  --first-address ADDR   loopback address of h1; host i gets ADDR + i - 1 (default: ${DEFAULT_FIRST_ADDRESS})
  --json                 print JSON on stdout: {"hosts":[{"id","address","sshPort","cmdPort","ntpPort","root"}]}
  --purge                with down: remove DIR after stopping the processes

Host i listens for SSH on port ${2200}+i, NTP on ${11100}+i and chronyc on ${11300}+i; the controller key and
known_hosts are in DIR/controller, and DIR/sandbox.json records it all.

example:
  sudo cdktf-chrony sandbox up --hosts 3 --dir /tmp/fleet
  ssh -i /tmp/fleet/controller/id_ed25519 -o UserKnownHostsFile=/tmp/fleet/controller/known_hosts -p 2201 root@127.0.0.11
`;

function hostJson(h: SandboxHost) {
  return { id: h.id, address: h.address, sshPort: h.sshPort, cmdPort: h.cmdPort, ntpPort: h.ntpPort, root: h.root };
}

function describeStop(outcome: StopOutcome): string {
  return outcome.state === "not-running" ? "not running" : `${outcome.state} (pid ${outcome.pid})`;
}

async function up(args: readonly string[], io: CliIO): Promise<number> {
  const { options } = parseArgs(args, {
    command: "sandbox up",
    options: { hosts: "value", dir: "value", "first-address": "value", json: "flag" },
  });
  const result = await sandboxUp({
    dir: options.dir ?? DEFAULT_DIR,
    hosts: countOption("hosts", options.hosts, MAX_HOSTS),
    firstAddress: options["first-address"],
    onProgress: (line) => io.stderr(`${line}\n`),
  });
  if (options.json) {
    io.stdout(`${JSON.stringify({ hosts: result.hosts.map(hostJson) })}\n`);
    return 0;
  }
  const rows = result.hosts.map((h) => [h.id, h.address, String(h.sshPort), String(h.ntpPort), String(h.cmdPort), h.root]);
  const h1 = result.hosts[0];
  const c = result.controller;
  io.stdout(formatTable(["ID", "ADDRESS", "SSH", "NTP", "CMD", "ROOT"], rows));
  io.stdout(`\nssh -i ${c.privateKeyPath} -o UserKnownHostsFile=${c.knownHostsPath} -p ${h1.sshPort} root@${h1.address}\n`);
  return 0;
}

async function status(args: readonly string[], io: CliIO): Promise<number> {
  const { options } = parseArgs(args, { command: "sandbox status", options: { dir: "value", json: "flag" } });
  const result = await sandboxStatus(options.dir ?? DEFAULT_DIR);
  if (options.json) {
    io.stdout(`${JSON.stringify({ hosts: result.hosts })}\n`);
  } else {
    const pid = (d: { running: boolean; pid?: number }) => (d.running ? `running (${d.pid})` : "stopped");
    const rows = result.hosts.map((h) => [
      h.id,
      h.address,
      String(h.sshPort),
      pid(h.sshd),
      pid(h.chronyd),
      h.tracking ? (h.tracking.refId === LOCAL_REF_ID ? "local clock" : h.tracking.refName || h.tracking.refId) : "-",
      h.tracking ? String(h.tracking.stratum) : "-",
    ]);
    io.stdout(formatTable(["ID", "ADDRESS", "SSH", "SSHD", "CHRONYD", "REFERENCE", "STRATUM"], rows));
  }
  if (result.healthy) return 0;
  const down = result.hosts.filter((h) => !h.sshd.running || !h.chronyd.running).map((h) => h.id);
  io.stderr(
    `cdktf-chrony sandbox status: ${down.length} of ${result.hosts.length} host(s) not fully running (${down.join(", ")}): run 'cdktf-chrony sandbox up --dir ${result.dir}'\n`,
  );
  return 3;
}

async function down(args: readonly string[], io: CliIO): Promise<number> {
  const { options } = parseArgs(args, { command: "sandbox down", options: { dir: "value", purge: "flag", json: "flag" } });
  const result = await sandboxDown(options.dir ?? DEFAULT_DIR, { purge: options.purge });
  if (options.json) {
    io.stdout(`${JSON.stringify({ hosts: result.hosts, purged: result.purged })}\n`);
    return 0;
  }
  const stopped = result.hosts.flatMap((h) => [h.sshd, h.chronyd]).filter((o) => o.state !== "not-running").length;
  for (const h of result.hosts) {
    if (h.sshd.state !== "stopped" || h.chronyd.state !== "stopped") {
      io.stderr(`sandbox: ${h.id}: sshd ${describeStop(h.sshd)}, chronyd ${describeStop(h.chronyd)}\n`);
    }
  }
  io.stdout(
    result.purged
      ? `stopped ${stopped} process(es) of ${result.hosts.length} host(s) and removed ${result.dir}\n`
      : `stopped ${stopped} process(es) of ${result.hosts.length} host(s); files kept in ${result.dir} (remove them with --purge)\n`,
  );
  return 0;
}

export const command: CliCommand = {
  name: "sandbox",
  summary: "a local fleet of sshd + chronyd hosts on 127.0.0.x, for trying cdktf-chrony",
  help: HELP,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub?.startsWith("-")) {
      throw new UserError(`the action comes first: 'sandbox up|status|down [options]' (got '${sub}'; see 'cdktf-chrony sandbox --help')`);
    }
    switch (sub) {
      case "up":
        return up(rest, io);
      case "status":
        return status(rest, io);
      case "down":
        return down(rest, io);
      case undefined:
        throw new UserError("missing action: use 'sandbox up', 'sandbox status' or 'sandbox down' (see 'cdktf-chrony sandbox --help')");
      default:
        throw new UserError(`unknown action '${sub}': use up, status or down (see 'cdktf-chrony sandbox --help')`);
    }
  },
};
