import type { HostManifest } from "../manifest";
import { findProjectDir, resolveProjectPath } from "../project";
import { connectSsh } from "../ssh/connect";
import { HostKeyPolicy, SshSession } from "../ssh/types";

export interface ConnectHostOptions {
  readonly log?: (line: string) => void;
  /** Where relative key and known_hosts paths of the manifest resolve. @default - found from the working folder */
  readonly projectDir?: string;
  /** @default 10000 */
  readonly readyTimeoutMs?: number;
}

/** How an operation reaches a host: SSH in production, a local shell in the remote programs' unit tests. */
export type HostConnector = (manifest: HostManifest, options: ConnectHostOptions) => Promise<SshSession>;

/** Opens the one SSH connection an operation on a host uses, with the manifest's host-key policy. */
export function connectHost(manifest: HostManifest, options: ConnectHostOptions = {}): Promise<SshSession> {
  const t = manifest.target;
  const projectDir = options.projectDir ?? findProjectDir(process.cwd());
  const hostKey: HostKeyPolicy =
    t.hostKey.kind === "fingerprint"
      ? { fingerprint: t.hostKey.sha256 }
      : { knownHostsPath: resolveProjectPath(t.hostKey.path, projectDir), trustOnFirstUse: t.hostKey.trustOnFirstUse };
  return connectSsh({
    host: t.address,
    port: t.port,
    user: t.user,
    privateKeyPath: t.privateKeyPath !== undefined ? resolveProjectPath(t.privateKeyPath, projectDir) : undefined,
    hostKey,
    sudo: t.sudo,
    readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
    onHostKeyLearned: (e) =>
      options.log?.(`trusted on first use: ${e.keyType} key ${e.fingerprint} of ${e.host}:${e.port}, recorded in ${e.knownHostsPath}`),
  });
}
