import { promises as fs } from "node:fs";
import type { Client as Ssh2Client, ConnectConfig, ParsedKey, ServerHostKeyAlgorithm } from "ssh2";

// The client and the key parser only: ssh2's index also loads its server, agent and HTTP agents,
// and the provisioner starts one process per host. ssh2 has no exports map; these are its files.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Client = require("ssh2/lib/client.js") as typeof Ssh2Client;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parseKey } = require("ssh2/lib/protocol/keyParser.js") as { parseKey: (data: Buffer | string, passphrase?: string) => ParsedKey | Error };
import { SshError } from "./errors";
import { createHostKeyVerifier, displayHostPort } from "./host-key-verifier";
import { Ssh2Session } from "./session";
import type { SshConnectOptions, SshSession } from "./types";

interface Credentials {
  readonly config: Pick<ConnectConfig, "privateKey" | "passphrase" | "agent">;
  /** For messages: which credentials were offered (never their content). */
  readonly description: string;
}

async function loadCredentials(options: SshConnectOptions, where: string): Promise<Credentials> {
  const keyPath = options.privateKeyPath;
  if (keyPath !== undefined && keyPath !== "") {
    let data: Buffer;
    try {
      data = await fs.readFile(keyPath);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new SshError("BAD_OPTIONS", `cannot read private key ${keyPath}: ${e.code ?? e.message}: check privateKeyPath`);
    }
    const parsed = parseKey(data, options.passphrase);
    if (parsed instanceof Error) {
      if (/no passphrase/i.test(parsed.message)) {
        throw new SshError("BAD_OPTIONS", `private key ${keyPath} is encrypted: pass its passphrase`);
      }
      if (/passphrase|decrypt/i.test(parsed.message)) {
        throw new SshError("BAD_OPTIONS", `cannot decrypt private key ${keyPath}: wrong passphrase`);
      }
      throw new SshError("BAD_OPTIONS", `${keyPath} is not a usable SSH private key (${parsed.message}): check privateKeyPath`);
    }
    if (!parsed.isPrivateKey()) {
      throw new SshError("BAD_OPTIONS", `${keyPath} holds a public key, not a private key: pass the file without .pub`);
    }
    return { config: { privateKey: data, passphrase: options.passphrase }, description: `private key ${keyPath}` };
  }
  const agent = options.agent ?? process.env.SSH_AUTH_SOCK;
  if (agent === undefined || agent === "") {
    throw new SshError("BAD_OPTIONS", `no SSH credentials for ${where}: pass privateKeyPath, or start an ssh-agent (SSH_AUTH_SOCK is not set)`);
  }
  return { config: { agent }, description: `the keys of ssh-agent ${agent}` };
}

interface Ssh2Error extends Error {
  readonly level?: string;
  readonly code?: string;
}

function connectError(err: Ssh2Error, host: string, where: string, user: string, credentials: string, readyTimeoutMs: number): SshError {
  if (err.level === "client-authentication") {
    return new SshError(
      "AUTH_FAILED",
      `authentication failed for ${user}@${where} with ${credentials}: add the matching public key to ${user}'s authorized_keys on the host, or use the right key`,
    );
  }
  if (err.level === "client-timeout") {
    return new SshError(
      "CONNECTION_TIMEOUT",
      `timed out after ${readyTimeoutMs} ms connecting to ${where} (no SSH session established): check the address and port, or raise readyTimeoutMs`,
    );
  }
  if (err.level === "client-dns") {
    return new SshError("CONNECTION_FAILED", `cannot resolve host '${host}' (${err.code ?? err.message}): check the host name`);
  }
  if (err.level === "agent") {
    return new SshError(
      "AUTH_FAILED",
      `ssh-agent failed while authenticating to ${where} (${err.message}): check SSH_AUTH_SOCK or pass privateKeyPath`,
    );
  }
  switch (err.code) {
    case "ECONNREFUSED":
      return new SshError(
        "CONNECTION_REFUSED",
        `cannot connect to ${where}: connection refused (is sshd running and listening on that address and port?)`,
      );
    case "ETIMEDOUT":
      return new SshError("CONNECTION_TIMEOUT", `cannot connect to ${where}: connection timed out: check the address, port and firewalls`);
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EADDRNOTAVAIL":
      return new SshError("CONNECTION_FAILED", `cannot connect to ${where}: ${err.code}: check the address and routes`);
    case "ECONNRESET":
      return new SshError(
        "CONNECTION_FAILED",
        `connection to ${where} was reset during the SSH handshake: check that an SSH server listens there and accepts ${user}`,
      );
    default:
      return new SshError("CONNECTION_FAILED", `SSH connection to ${where} failed: ${err.message}`);
  }
}

function checkPort(port: number, host: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SshError("BAD_OPTIONS", `invalid SSH port ${port} for ${host}: use an integer from 1 to 65535`);
  }
}

/**
 * Open one SSH connection: check the host key against the policy (before any authentication), log in,
 * and return a session. Every failure is an `SshError` with a one-line message and a `code`.
 */
export async function connectSsh(options: SshConnectOptions): Promise<SshSession> {
  const host = options.host;
  if (typeof host !== "string" || host.trim() === "") {
    throw new SshError("BAD_OPTIONS", `invalid SSH host '${String(host)}': pass a host name or address`);
  }
  const port = options.port ?? 22;
  checkPort(port, host);
  const user = options.user ?? "root";
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const where = displayHostPort(host, port);
  const credentials = await loadCredentials(options, where);
  const verifier = await createHostKeyVerifier({ host, port }, options.hostKey, options.onHostKeyLearned);

  const client = new Client();
  return new Promise<SshSession>((resolve, reject) => {
    let settled = false;
    let refusal: Error | undefined;
    let fingerprint = "";
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      client.destroy();
      reject(err);
    };
    client.on("ready", () => {
      if (settled) return;
      settled = true;
      resolve(
        new Ssh2Session({
          client,
          host,
          port,
          user,
          hostKeyFingerprint: fingerprint,
          sudo: options.sudo ?? false,
          maxChannels: options.maxChannels ?? 8,
        }),
      );
    });
    client.on("error", (err: Ssh2Error) => {
      fail(refusal ?? connectError(err, host, where, user, credentials.description, readyTimeoutMs));
    });
    client.on("close", () => {
      fail(refusal ?? new SshError("CONNECTION_FAILED", `connection to ${where} closed before the SSH session was established`));
    });
    try {
      client.connect({
        host,
        port,
        username: user,
        ...credentials.config,
        readyTimeout: readyTimeoutMs,
        keepaliveInterval: options.keepaliveIntervalMs ?? 5000,
        keepaliveCountMax: 3,
        algorithms: { serverHostKey: verifier.serverHostKeyAlgorithms as ServerHostKeyAlgorithm[] },
        hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
          verifier.verify(key).then(
            (fp) => {
              fingerprint = fp;
              verify(true);
            },
            (err: Error) => {
              refusal = err;
              verify(false);
            },
          );
        },
      });
    } catch (err) {
      fail(new SshError("BAD_OPTIONS", `cannot start SSH connection to ${where}: ${(err as Error).message}`));
    }
  });
}
