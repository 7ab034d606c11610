import { promises as fs, constants } from "node:fs";
import { UserError } from "../errors";

const TOOLS: ReadonlyArray<readonly [string, string]> = [
  ["/usr/sbin/sshd", "openssh-server"],
  ["/usr/bin/ssh-keygen", "openssh-client"],
  ["/usr/sbin/chronyd", "chrony"],
  ["/usr/bin/chronyc", "chrony"],
];

/** The sandbox starts daemons that bind ports, chown files to _chrony and drop privileges: root only. */
export function requireRoot(action: string): void {
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    throw new UserError(`${action} needs root (it starts sshd and chronyd and gives files to _chrony): run it with sudo`);
  }
}

export async function requireTools(): Promise<void> {
  for (const [file, pkg] of TOOLS) {
    try {
      await fs.access(file, constants.X_OK);
    } catch {
      throw new UserError(`${file} is missing: install the ${pkg} package (apt-get install ${pkg})`);
    }
  }
}
