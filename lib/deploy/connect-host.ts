import type { HostKeyPolicySpec, HostManifest } from "../manifest";
import { findProjectDir, resolveProjectPath } from "../project";
import { connectSsh } from "../ssh/connect";
import type { SshConnectionPool } from "../ssh/pool";
import { SshConfig, resolveDestination, type Destination } from "../ssh/ssh-config";
import { HostKeyPolicy, SshHop, SshSession } from "../ssh/types";

export interface ConnectHostOptions {
  readonly log?: (line: string) => void;
  /** Where relative key and known_hosts paths of the manifest resolve. @default - found from the working folder */
  readonly projectDir?: string;
  /** @default 10000 */
  readonly readyTimeoutMs?: number;
  /** Share jump-host connections with the other hosts of the command. @default - none: this session opens its own */
  readonly pool?: SshConnectionPool;
}

/** How an operation reaches a host: SSH in production, a local shell in the remote programs' unit tests. */
export type HostConnector = (manifest: HostManifest, options: ConnectHostOptions) => Promise<SshSession>;

function hostKeyPolicy(spec: HostKeyPolicySpec, projectDir: string): HostKeyPolicy {
  return spec.kind === "fingerprint"
    ? { fingerprint: spec.sha256 }
    : { knownHostsPath: resolveProjectPath(spec.path, projectDir), trustOnFirstUse: spec.trustOnFirstUse };
}

// One read per file and process: drift and verify connect to many hosts with the same config.
const configs = new Map<string, Promise<SshConfig>>();

function loadConfig(file: string): Promise<SshConfig> {
  let config = configs.get(file);
  if (config === undefined) {
    config = SshConfig.load(file);
    configs.set(file, config);
  }
  return config;
}

/**
 * Opens the one SSH connection an operation on a host uses: through the manifest's jump hosts, with
 * each hop's host-key policy, and with the OpenSSH client config filled in where the app asked.
 * apply, drift, verify, heal and `status --ssh` all connect here (import --ssh calls connectSsh).
 */
export async function connectHost(manifest: HostManifest, options: ConnectHostOptions = {}): Promise<SshSession> {
  const t = manifest.target;
  const projectDir = options.projectDir ?? findProjectDir(process.cwd());
  const keyPath = (file: string | undefined) => (file !== undefined ? resolveProjectPath(file, projectDir) : undefined);
  const jump: SshHop[] | undefined = t.jump?.map((h) => ({
    host: h.address,
    port: h.port,
    user: h.user,
    privateKeyPath: keyPath(h.privateKeyPath),
    hostKey: hostKeyPolicy(h.hostKey, projectDir),
  }));
  let destination: SshHop & { readonly jump?: readonly SshHop[] } = {
    host: t.address,
    port: t.port,
    user: t.user,
    privateKeyPath: keyPath(t.privateKeyPath),
    hostKey: hostKeyPolicy(t.hostKey, projectDir),
    jump,
  };
  if (t.sshConfig) {
    // The app's explicit values win; its defaults apply only where the config says nothing either.
    const explicit = new Set(t.sshConfig.explicit);
    const given: Destination = {
      host: t.address,
      ...(explicit.has("port") ? { port: t.port } : {}),
      ...(explicit.has("user") ? { user: t.user } : {}),
      ...(explicit.has("privateKeyPath") ? { privateKeyPath: destination.privateKeyPath } : {}),
      ...(explicit.has("hostKey") ? { hostKey: destination.hostKey } : {}),
      ...(explicit.has("jump") ? { jump } : {}),
    };
    const config = await loadConfig(resolveProjectPath(t.sshConfig.path, projectDir));
    const resolved = await resolveDestination(given, config, {
      port: t.port,
      user: t.user,
      privateKeyPath: destination.privateKeyPath,
      hostKey: destination.hostKey,
    });
    for (const note of resolved.notes) options.log?.(note);
    destination = resolved;
  }
  return connectSsh({
    ...destination,
    sudo: t.sudo,
    pool: options.pool,
    readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
    onHostKeyLearned: (e) =>
      options.log?.(`trusted on first use: ${e.keyType} key ${e.fingerprint} of ${e.host}:${e.port}, recorded in ${e.knownHostsPath}`),
  });
}
