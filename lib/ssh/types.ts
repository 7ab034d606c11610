import type { SshConnectionPool } from "./pool";

/**
 * How the host's key is checked. Exactly one form:
 * - `{ knownHostsPath }`: an OpenSSH known_hosts file must list the key;
 * - `{ knownHostsPath, trustOnFirstUse: true }`: as above, but a host with no line at all is accepted
 *   and its key appended (a changed or revoked key is still refused);
 * - `{ fingerprint: "SHA256:..." }`: the key must have this fingerprint (as `ssh-keygen -lf` prints it).
 * Like OpenSSH, a known_hosts policy also reads the system-wide /etc/ssh/ssh_known_hosts. Host
 * certificates (`@cert-authority`) are not supported: ssh2 cannot negotiate them.
 */
export type HostKeyPolicy =
  | {
      readonly knownHostsPath: string;
      readonly trustOnFirstUse?: boolean;
      /**
       * Read with `knownHostsPath`, never written (OpenSSH's GlobalKnownHostsFile, further UserKnownHostsFile entries).
       * @default ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"]
       */
      readonly extraKnownHostsPaths?: readonly string[];
      readonly fingerprint?: undefined;
    }
  | {
      readonly fingerprint: string;
      readonly knownHostsPath?: undefined;
      readonly trustOnFirstUse?: undefined;
      readonly extraKnownHostsPaths?: undefined;
    };

/** Reported when trust on first use appends a host's key to known_hosts. */
export interface HostKeyLearned {
  readonly host: string;
  readonly port: number;
  readonly keyType: string;
  readonly fingerprint: string;
  readonly knownHostsPath: string;
  /** The line appended. */
  readonly line: string;
}

/** One SSH server on the way: a jump host (bastion), or the target itself. */
export interface SshHop {
  readonly host: string;
  /** @default 22 */
  readonly port?: number;
  /** @default "root" for the target; a jump host's default is the target's user */
  readonly user?: string;
  /** Private key file (OpenSSH or PEM). @default - the agent is used */
  readonly privateKeyPath?: string;
  /** For an encrypted private key. Never logged. @default - none */
  readonly passphrase?: string;
  /** ssh-agent socket path. @default - `SSH_AUTH_SOCK`, when no `privateKeyPath` is given */
  readonly agent?: string;
  /** Checked before authenticating, on every hop. */
  readonly hostKey: HostKeyPolicy;
}

export interface SshConnectOptions extends SshHop {
  /**
   * Jump hosts, first to last, as OpenSSH's ProxyJump: the first is connected to directly, each
   * next one (and the target) through a forwarded channel of the one before.
   * @default - a direct connection
   */
  readonly jump?: readonly SshHop[];
  /**
   * Shares jump-host connections between the sessions opened with it (drift and verify open one
   * bastion connection per run instead of one per host). Close it when done.
   * @default - each session opens, and closes, its own
   */
  readonly pool?: SshConnectionPool;
  /** Limit for TCP connect + handshake + authentication, per hop. @default 10000 */
  readonly readyTimeoutMs?: number;
  /** SSH-level keepalive period; 0 disables it. Three unanswered keepalives close the connection. @default 5000 */
  readonly keepaliveIntervalMs?: number;
  /** Run commands through `sudo -n` when `user` is not root. @default false */
  readonly sudo?: boolean;
  /** Concurrent channels on the connection, below OpenSSH's default `MaxSessions` of 10. @default 8 */
  readonly maxChannels?: number;
  /** @default - a warning line on stderr, as OpenSSH prints it */
  readonly onHostKeyLearned?: (event: HostKeyLearned) => void;
}

export interface ExecOptions {
  /** Sent on the command's stdin, then stdin is closed. Never logged. @default - empty stdin */
  readonly stdin?: string | Buffer;
  /** @default - the session's `sudo` setting */
  readonly sudo?: boolean;
  /**
   * Reject with `EXEC_TIMEOUT` after this long; the host kills the command's process group (it runs
   * under coreutils `timeout -s KILL`, since OpenSSH ignores signal requests on root sessions).
   * @default - no limit
   */
  readonly timeoutMs?: number;
}

export interface ScriptOptions {
  /** @default - the session's `sudo` setting */
  readonly sudo?: boolean;
  /** Positional parameters for the script (`$1`...), quoted safely. @default [] */
  readonly args?: readonly string[];
  /** @default - no limit */
  readonly timeoutMs?: number;
}

/** A finished command. A non-zero exit is a result, not an error. */
export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit status; null when the command was killed by a signal. */
  readonly code: number | null;
  /** `SIGTERM`, `SIGKILL`...: set when the command was killed by a signal. */
  readonly signal?: string;
}

export interface StartOptions {
  /** @default - the session's `sudo` setting */
  readonly sudo?: boolean;
  /** Kill the command on the host after this long (see ExecOptions.timeoutMs). @default - no limit */
  readonly timeoutMs?: number;
  /** Called with each line of stdout as it arrives (without its newline). */
  readonly onLine?: (line: string) => void;
}

/** A command still running on the host: its stdin stays open until `end`. */
export interface RunningCommand {
  /** Sends text on the command's stdin. Ignored after `end` or once the channel closed. */
  write(text: string): void;
  /** Sends `text` (if any) and closes stdin. */
  end(text?: string | Buffer): void;
  /** Settles when the channel closes: the exit status, or an SshError (timeout, lost connection). */
  readonly done: Promise<ExecResult>;
}

/** One authenticated SSH connection; commands run on channels of it, concurrently if asked. */
export interface SshSession {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** The host key's SHA256 fingerprint, as verified. */
  readonly hostKeyFingerprint: string;
  /** Run `argv` (each element quoted for the remote shell). */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Run `sh -s` with `script` on stdin, so nothing in it shows in the host's process list. */
  execScript(script: string, options?: ScriptOptions): Promise<ExecResult>;
  /** Start `argv` and talk to it: stdout line by line as it arrives, stdin open until `end()`. */
  start(argv: readonly string[], options?: StartOptions): Promise<RunningCommand>;
  close(): Promise<void>;
}
