import { connectSsh } from "../ssh/connect";
import { HostKeyPolicy, SshSession } from "../ssh/types";
import { HostManifest } from "./manifest";

/** Opens the one SSH connection an operation on a host uses, with the manifest's host-key policy. */
export function connectHost(manifest: HostManifest, log?: (line: string) => void, readyTimeoutMs = 10_000): Promise<SshSession> {
  const t = manifest.target;
  const hostKey: HostKeyPolicy =
    t.hostKey.kind === "fingerprint"
      ? { fingerprint: t.hostKey.sha256 }
      : { knownHostsPath: t.hostKey.path, trustOnFirstUse: t.hostKey.trustOnFirstUse };
  return connectSsh({
    host: t.address,
    port: t.port,
    user: t.user,
    privateKeyPath: t.privateKeyPath,
    hostKey,
    sudo: t.sudo,
    readyTimeoutMs,
    onHostKeyLearned: (e) =>
      log?.(`trusted on first use: ${e.keyType} key ${e.fingerprint} of ${e.host}:${e.port}, recorded in ${e.knownHostsPath}`),
  });
}
