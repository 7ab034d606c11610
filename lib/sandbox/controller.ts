import { promises as fs } from "node:fs";
import { UserError } from "../errors";
import { ensureDir, exists, writeIfChanged } from "./files";
import type { ControllerPaths, SandboxHost } from "./layout";
import { runLocal } from "./local-exec";

/** Generate the controller's key once (ed25519, no passphrase, 0600); returns its public line. */
export async function ensureControllerKey(paths: ControllerPaths): Promise<string> {
  await ensureDir(paths.controllerDir, 0o700);
  if (!(await exists(paths.privateKey)) || !(await exists(paths.publicKey))) {
    await fs.rm(paths.privateKey, { force: true });
    await fs.rm(paths.publicKey, { force: true });
    const r = await runLocal("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "cdktf-chrony-sandbox-controller", "-f", paths.privateKey]);
    if (r.code !== 0) throw new UserError(`ssh-keygen failed for the controller key ${paths.privateKey}: ${r.stderr.trim()}`);
  }
  await fs.chmod(paths.privateKey, 0o600);
  return (await fs.readFile(paths.publicKey, "utf8")).trim();
}

export async function writeAuthorizedKeys(paths: ControllerPaths, controllerPublicKey: string): Promise<void> {
  await writeIfChanged(paths.authorizedKeys, `${controllerPublicKey}\n`, 0o644);
}

/** known_hosts with one `[address]:port key` line per host, in host order. */
export async function writeKnownHosts(
  paths: ControllerPaths,
  hosts: readonly { readonly host: SandboxHost; readonly publicKey: string }[],
): Promise<void> {
  const lines = hosts.map(({ host, publicKey }) => `[${host.address}]:${host.sshPort} ${publicKey}\n`);
  await writeIfChanged(paths.knownHosts, lines.join(""), 0o644);
}
