export { connectSsh } from "./connect";
export { SshError, isSshError, type SshErrorCode } from "./errors";
export { sha256Fingerprint, normalizeSha256Fingerprint } from "./fingerprint";
export { keyTypeOfBlob } from "./key-blob";
export {
  parseKnownHosts,
  lookupHostKey,
  hostFieldMatches,
  knownHostsName,
  formatKnownHostsLine,
  type KnownHostsEntry,
  type KnownHostsMarker,
  type HostKeyLookup,
} from "./known-hosts";
export { shellQuote, shellJoin } from "./shell-quote";
export { SshConnectionPool, type PoolStats } from "./pool";
export { SUDO_ENTRY, sudoersLine, sudoersDropIn } from "./sudo-entry";
export { SYSTEM_KNOWN_HOSTS } from "./host-key-verifier";
export {
  SshConfig,
  resolveCommandLineDestination,
  resolveDestination,
  type CommandLineDestination,
  type Destination,
  type ResolvedDestination,
} from "./ssh-config";
export type { HostKeyPolicy, HostKeyLearned, SshConnectOptions, SshHop, SshSession, ExecOptions, ExecResult, ScriptOptions } from "./types";
