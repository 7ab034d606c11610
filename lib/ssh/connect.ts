import { promises as fs } from "node:fs";
import type { Duplex } from "node:stream";
import type { Client as Ssh2Client, ConnectConfig, ParsedKey, ServerHostKeyAlgorithm } from "ssh2";

// The client and the key parser only: ssh2's index also loads its server, agent and HTTP agents,
// and the provisioner starts one process per host. ssh2 has no exports map; these are its files.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Client = require("ssh2/lib/client.js") as typeof Ssh2Client;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parseKey } = require("ssh2/lib/protocol/keyParser.js") as { parseKey: (data: Buffer | string, passphrase?: string) => ParsedKey | Error };
import { SshError } from "./errors";
import { createHostKeyVerifier, displayHostPort } from "./host-key-verifier";
import { endClient, trackClosed, type SshConnectionPool } from "./pool";
import { Ssh2Session } from "./session";
import type { HostKeyLearned, SshConnectOptions, SshHop, SshSession } from "./types";

interface Credentials {
  readonly config: Pick<ConnectConfig, "privateKey" | "passphrase" | "agent">;
  /** For messages: which credentials were offered (never their content). */
  readonly description: string;
}

async function loadCredentials(options: SshHop, where: string): Promise<Credentials> {
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

/** A hop with its defaults filled in and the words messages use for it. */
interface Hop extends SshHop {
  readonly port: number;
  readonly user: string;
  /** "198.19.0.11:22", or "jump host 198.18.0.2:22", plus " via jump host ..." when forwarded. */
  readonly where: string;
}

function resolveHops(options: SshConnectOptions): Hop[] {
  const all: SshHop[] = [...(options.jump ?? []), options];
  const hops: Hop[] = [];
  all.forEach((hop, i) => {
    const isTarget = i === all.length - 1;
    const host = hop.host;
    if (typeof host !== "string" || host.trim() === "") {
      throw new SshError("BAD_OPTIONS", `invalid ${isTarget ? "SSH host" : `jump host ${i + 1}`} '${String(host)}': pass a host name or address`);
    }
    const port = hop.port ?? 22;
    checkPort(port, host);
    const previous = hops[i - 1];
    const via = previous ? ` (via jump host ${displayHostPort(previous.host, previous.port)})` : "";
    hops.push({
      ...hop,
      port,
      user: hop.user ?? options.user ?? "root",
      where: `${isTarget ? "" : "jump host "}${displayHostPort(host, port)}${via}`,
    });
  });
  return hops;
}

interface ForwardError extends Error {
  readonly reason?: number | string;
}

/** A TCP connection to `to` opened by the SSH server of `via` (OpenSSH's ProxyJump, `ssh -W`). */
function forward(via: Ssh2Client, viaHop: Hop, to: Hop, timeoutMs: number): Promise<Duplex> {
  const target = displayHostPort(to.host, to.port);
  const jump = displayHostPort(viaHop.host, viaHop.port);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new SshError(
            "CONNECTION_TIMEOUT",
            `timed out after ${timeoutMs} ms waiting for jump host ${jump} to connect to ${target}: check the address, and that ${jump} can reach it`,
          ),
        ),
      timeoutMs,
    );
    try {
      via.forwardOut("127.0.0.1", 0, to.host, to.port, (err, stream) => {
        clearTimeout(timer);
        if (!err) return resolve(stream);
        const e = err as ForwardError;
        const why = e.message.replace(/^\(SSH\) Channel open failure: /, "");
        if (e.reason === 1 || /prohibited/i.test(why)) {
          const said = /prohibited/i.test(why) ? why : `administratively prohibited: ${why}`;
          return reject(
            new SshError(
              "CONNECTION_FAILED",
              `jump host ${jump} refused to forward to ${target} (${said}): allow TCP forwarding there for ${viaHop.user} (sshd_config AllowTcpForwarding, PermitOpen ${to.host}:${to.port})`,
            ),
          );
        }
        const code = /refused/i.test(why) ? "CONNECTION_REFUSED" : "CONNECTION_FAILED";
        reject(new SshError(code, `jump host ${jump} cannot connect to ${target} (${why}): check the address and port, and that sshd runs there`));
      });
    } catch (err) {
      clearTimeout(timer);
      reject(new SshError("CONNECTION_LOST", `connection to jump host ${jump} is closed (${(err as Error).message}): connect again`));
    }
  });
}

interface OpenContext {
  readonly readyTimeoutMs: number;
  readonly keepaliveIntervalMs: number;
  readonly onHostKeyLearned?: (event: HostKeyLearned) => void;
}

/** One authenticated connection to `hop`, directly or through `via`; host key checked first. */
async function openConnection(
  hop: Hop,
  via: { client: Ssh2Client; hop: Hop } | undefined,
  ctx: OpenContext,
): Promise<{ client: Ssh2Client; fingerprint: string }> {
  const { host, port, user, where } = hop;
  const credentials = await loadCredentials(hop, where);
  const verifier = await createHostKeyVerifier({ host, port }, hop.hostKey, ctx.onHostKeyLearned);
  const sock = via ? await forward(via.client, via.hop, hop, ctx.readyTimeoutMs) : undefined;

  const client = new Client();
  trackClosed(client);
  return new Promise((resolve, reject) => {
    let settled = false;
    let refusal: Error | undefined;
    let fingerprint = "";
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      client.destroy();
      sock?.destroy();
      reject(err);
    };
    client.on("ready", () => {
      if (settled) return;
      settled = true;
      resolve({ client, fingerprint });
    });
    client.on("error", (err: Ssh2Error) => {
      fail(refusal ?? connectError(err, host, where, user, credentials.description, ctx.readyTimeoutMs));
    });
    client.on("close", () => {
      fail(refusal ?? new SshError("CONNECTION_FAILED", `connection to ${where} closed before the SSH session was established`));
    });
    try {
      client.connect({
        ...(sock ? { sock } : { host, port }),
        username: user,
        ...credentials.config,
        readyTimeout: ctx.readyTimeoutMs,
        keepaliveInterval: ctx.keepaliveIntervalMs,
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

/** What identifies a chain of jump hosts for sharing (never the passphrase). */
function chainKey(hops: readonly Hop[]): string {
  return JSON.stringify(hops.map((h) => [h.host, h.port, h.user, h.privateKeyPath ?? "", h.agent ?? "", h.hostKey]));
}

/**
 * Open one SSH session: through the jump hosts if any (each one's host key checked against its own
 * policy before authenticating, as the target's), then the target. Every failure is an `SshError`
 * with a one-line message that names the hop, and a `code`.
 */
export async function connectSsh(options: SshConnectOptions): Promise<SshSession> {
  const hops = resolveHops(options);
  const target = hops[hops.length - 1];
  const jumps = hops.slice(0, -1);
  const pool: SshConnectionPool | undefined = options.pool;
  const ctx: OpenContext = {
    readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
    keepaliveIntervalMs: options.keepaliveIntervalMs ?? 5000,
    onHostKeyLearned: options.onHostKeyLearned,
  };

  // Jump connections this session owns (closed with it); pooled ones belong to the pool.
  const owned: Ssh2Client[] = [];
  const closeOwned = () => Promise.all([...owned].reverse().map((c) => endClient(c))).then(() => undefined);
  let via: { client: Ssh2Client; hop: Hop } | undefined;
  try {
    for (let i = 0; i < jumps.length; i++) {
      const hop = jumps[i];
      const previous = via;
      const open = async () => {
        const { client } = await openConnection(hop, previous, ctx);
        pool?.count("jump");
        return { client, where: hop.where };
      };
      const link = pool ? await pool.jump(chainKey(jumps.slice(0, i + 1)), open) : await open();
      if (!pool) owned.push(link.client);
      via = { client: link.client, hop };
    }
    const { client, fingerprint } = await openConnection(target, via, ctx);
    pool?.count("target");
    return new Ssh2Session({
      client,
      host: target.host,
      port: target.port,
      user: target.user,
      hostKeyFingerprint: fingerprint,
      sudo: options.sudo ?? false,
      maxChannels: options.maxChannels ?? 8,
      afterClose: owned.length > 0 ? closeOwned : undefined,
    });
  } catch (err) {
    await closeOwned();
    throw err;
  }
}
