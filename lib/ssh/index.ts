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
export type { HostKeyPolicy, HostKeyLearned, SshConnectOptions, SshSession, ExecOptions, ExecResult, ScriptOptions } from "./types";
