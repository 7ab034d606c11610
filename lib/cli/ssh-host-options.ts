import { RemoteChronyc } from "../deploy/remote-chronyc";
import { UserError } from "../errors";
import { connectSsh } from "../ssh/connect";
import { resolveCommandLineDestination } from "../ssh/ssh-config";
import type { CliIO } from "./command";

/**
 * The options of a command that asks one chronyd over UDP, or with `--ssh` runs chronyc on the host
 * (status, waitsync): `--ssh` and how to reach the host, as ssh takes them.
 */
export const SSH_HOST_OPTIONS = {
  ssh: "flag",
  jump: "value",
  identity: "value",
  "known-hosts": "value",
  "ssh-config": "value",
} as const;

export interface SshHostOptions {
  readonly jump: string | undefined;
  readonly identity: string | undefined;
  readonly "known-hosts": string | undefined;
  readonly "ssh-config": string | undefined;
}

const CONNECTION_OPTIONS = ["jump", "identity", "known-hosts", "ssh-config"] as const;

/** Without `--ssh`, the options that say how to reach the host over SSH are a mistake: says which. */
export function refuseSshOptionsWithoutSsh(options: SshHostOptions): void {
  const given = CONNECTION_OPTIONS.find((o) => options[o] !== undefined);
  if (given) throw new UserError(`option --${given} needs --ssh (it says how to reach the host over SSH): add --ssh, or drop --${given}`);
}

/**
 * chronyc on the host named on the command line, over SSH: ~/.ssh/config and jump hosts honoured,
 * host keys checked, through sudo when the user is not root. What resolving the destination noted
 * goes to stderr.
 */
export async function chronycOverSsh(
  target: string,
  options: SshHostOptions,
  io: CliIO,
): Promise<{ readonly chronyc: RemoteChronyc; close(): Promise<void> }> {
  const resolved = await resolveCommandLineDestination({
    target,
    jump: options.jump,
    identity: options.identity,
    knownHosts: options["known-hosts"],
    sshConfig: options["ssh-config"],
  });
  for (const note of resolved.notes) io.stderr(`${note}\n`);
  const session = await connectSsh({ ...resolved, sudo: true });
  return { chronyc: new RemoteChronyc(session, ["chronyc"]), close: () => session.close() };
}
