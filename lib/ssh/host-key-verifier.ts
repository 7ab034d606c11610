import { promises as fs } from "node:fs";
import * as path from "node:path";
import { SshError } from "./errors";
import { normalizeSha256Fingerprint, sha256Fingerprint } from "./fingerprint";
import { algorithmsForKeyType, keyTypeOfBlob } from "./key-blob";
import {
  certAuthorityFor,
  formatKnownHostsLine,
  knownHostsName,
  knownKeyTypes,
  lookupHostKey,
  parseKnownHosts,
  type KnownHostsEntry,
} from "./known-hosts";
import { shellQuote } from "./shell-quote";
import type { HostKeyLearned, HostKeyPolicy } from "./types";

/** ssh2's own order; a key type already in known_hosts is moved to the front. */
const DEFAULT_HOST_KEY_ALGORITHMS: readonly string[] = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

export interface HostKeyVerifier {
  /** Offer these to the server, in this order. */
  readonly serverHostKeyAlgorithms: readonly string[];
  /** Resolves with the key's fingerprint when it is trusted; rejects with an `SshError` otherwise. */
  verify(keyBlob: Buffer): Promise<string>;
}

export interface HostKeyTarget {
  readonly host: string;
  readonly port: number;
}

export function displayHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function describeKey(type: string, fingerprint: string, withType: boolean): string {
  return withType ? `${type} ${fingerprint}` : fingerprint;
}

async function readKnownHosts(file: string): Promise<{ entries: KnownHostsEntry[]; exists: boolean }> {
  try {
    return { entries: parseKnownHosts(await fs.readFile(file, "utf8")).map((e) => ({ ...e, file })), exists: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { entries: [], exists: false };
    throw new SshError("BAD_OPTIONS", `cannot read known_hosts file ${file}: ${(err as Error).message}`);
  }
}

/** OpenSSH's GlobalKnownHostsFile: read with the user's file for every host, never written. */
export const SYSTEM_KNOWN_HOSTS: readonly string[] = ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];

/** The user's file (the one trust on first use writes) and the read-only ones, read together. */
async function readAllKnownHosts(
  file: string,
  extras: readonly string[],
): Promise<{ entries: KnownHostsEntry[]; exists: boolean; extrasFound: string[] }> {
  const own = await readKnownHosts(file);
  const others = await Promise.all(extras.filter((f) => f !== file).map(async (f) => ({ f, read: await readKnownHosts(f) })));
  return {
    entries: [...own.entries, ...others.flatMap((o) => o.read.entries)],
    exists: own.exists,
    extrasFound: others.filter((o) => o.read.exists).map((o) => o.f),
  };
}

// Appends to one file are serialised inside this process, so two sessions learning the same host
// at once write one line, not two.
const fileLocks = new Map<string, Promise<unknown>>();

async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const previous = fileLocks.get(file) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const settled = run.catch(() => undefined);
  fileLocks.set(file, settled);
  try {
    return await run;
  } finally {
    if (fileLocks.get(file) === settled) fileLocks.delete(file);
  }
}

function defaultOnLearned(event: HostKeyLearned): void {
  process.stderr.write(
    `warning: trusted on first use: added '${knownHostsName(event.host, event.port)}' (${event.keyType} ${event.fingerprint}) to ${event.knownHostsPath}\n`,
  );
}

function preferredAlgorithms(knownTypes: readonly string[]): string[] {
  const first = knownTypes.flatMap((t) => algorithmsForKeyType(t));
  return [...new Set([...first, ...DEFAULT_HOST_KEY_ALGORITHMS])];
}

function pinnedVerifier(target: HostKeyTarget, pinned: string): HostKeyVerifier {
  const expected = normalizeSha256Fingerprint(pinned);
  const where = displayHostPort(target.host, target.port);
  return {
    serverHostKeyAlgorithms: DEFAULT_HOST_KEY_ALGORITHMS,
    async verify(keyBlob) {
      const got = sha256Fingerprint(keyBlob);
      if (got === expected) return got;
      throw new SshError(
        "HOST_KEY_MISMATCH",
        `host key for ${where} does not match the pinned fingerprint (expected ${expected}, got ${got}): possible man-in-the-middle; if the host's key was replaced on purpose, pin the new fingerprint`,
      );
    },
  };
}

async function knownHostsVerifier(
  target: HostKeyTarget,
  file: string,
  extras: readonly string[],
  trustOnFirstUse: boolean,
  onLearned: (event: HostKeyLearned) => void,
): Promise<HostKeyVerifier> {
  const { host, port } = target;
  const name = knownHostsName(host, port);
  const where = displayHostPort(host, port);
  const initial = await readAllKnownHosts(file, extras);

  const check = (
    known: { entries: readonly KnownHostsEntry[]; exists: boolean; extrasFound: readonly string[] },
    keyType: string,
    keyBlob: Buffer,
  ) => {
    const { entries, exists } = known;
    const got = sha256Fingerprint(keyBlob);
    const lookup = lookupHostKey(entries, name, keyBlob);
    switch (lookup.kind) {
      case "known":
        return { trusted: true as const, fingerprint: got };
      case "revoked":
        throw new SshError(
          "HOST_KEY_REVOKED",
          `host key for ${where} (${keyType} ${got}) is marked @revoked in ${lookup.entry.file ?? file} line ${lookup.entry.lineNumber}: refusing to connect; give the host a new key and add that one to ${file}`,
        );
      case "changed": {
        const otherType = lookup.expected.some((e) => e.keyType !== keyType);
        const expected = lookup.expected.map((e) => describeKey(e.keyType, sha256Fingerprint(e.keyBlob), otherType)).join(" or ");
        const files = [...new Set(lookup.expected.map((e) => e.file ?? file))];
        const fix = files.map((f) => `\`ssh-keygen -R ${shellQuote(name)} -f ${shellQuote(f)}\``).join(" and ");
        throw new SshError(
          "HOST_KEY_CHANGED",
          `host key for ${where} CHANGED (expected ${expected}, got ${describeKey(keyType, got, otherType)}): possible man-in-the-middle; if the host was reinstalled, remove the old line with ${fix}`,
        );
      }
      case "unknown": {
        if (trustOnFirstUse) return { trusted: false as const, fingerprint: got };
        const scan = port === 22 ? `ssh-keyscan ${shellQuote(host)}` : `ssh-keyscan -p ${port} ${shellQuote(host)}`;
        const searched = `${file}${exists ? "" : ", which does not exist"}${known.extrasFound.length > 0 ? `, nor in ${known.extrasFound.join(" or ")}` : ""}`;
        const ca = certAuthorityFor(entries, name);
        if (ca) {
          throw new SshError(
            "HOST_KEY_UNKNOWN",
            `host key for ${where} (${keyType} ${got}) is vouched for only by the @cert-authority line ${ca.lineNumber} of ${ca.file ?? file}, and host certificates are not supported (ssh2 cannot negotiate them): add the host's own key with \`${scan} >> ${shellQuote(file)}\` after checking that fingerprint, or pin it with hostKey { fingerprint: "${got}" }`,
          );
        }
        throw new SshError(
          "HOST_KEY_UNKNOWN",
          `host key for ${where} is not known (${keyType} ${got} is not in ${searched}): check that fingerprint with the host's owner, then add it with \`${scan} >> ${shellQuote(file)}\`, or pin it with hostKey { fingerprint: "${got}" }, or enable trustOnFirstUse`,
        );
      }
    }
  };

  return {
    serverHostKeyAlgorithms: preferredAlgorithms(knownKeyTypes(initial.entries, name)),
    async verify(keyBlob) {
      const keyType = keyTypeOfBlob(keyBlob);
      if (keyType === undefined) {
        throw new SshError("CONNECTION_FAILED", `host ${where} sent a malformed host key: refusing to connect`);
      }
      const first = check(initial, keyType, keyBlob);
      if (first.trusted) return first.fingerprint;
      return withFileLock(file, async () => {
        // Another session may have learned this host meanwhile: decide again on the current files.
        const current = await readAllKnownHosts(file, extras);
        const again = check(current, keyType, keyBlob);
        if (again.trusted) return again.fingerprint;
        const line = formatKnownHostsLine(host, port, keyType, keyBlob);
        await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
        let prefix = "";
        if (current.exists) {
          const text = await fs.readFile(file, "utf8");
          if (text.length > 0 && !text.endsWith("\n")) prefix = "\n";
        }
        await fs.appendFile(file, `${prefix}${line}\n`, { mode: 0o644 });
        onLearned({ host, port, keyType, fingerprint: again.fingerprint, knownHostsPath: file, line });
        return again.fingerprint;
      });
    },
  };
}

/** Build the check for one connection from the policy; throws `SshError` for a malformed policy. */
export async function createHostKeyVerifier(
  target: HostKeyTarget,
  policy: HostKeyPolicy,
  onLearned: ((event: HostKeyLearned) => void) | undefined,
): Promise<HostKeyVerifier> {
  const hasFile = typeof policy.knownHostsPath === "string" && policy.knownHostsPath !== "";
  const hasPin = typeof policy.fingerprint === "string" && policy.fingerprint !== "";
  if (hasFile === hasPin) {
    throw new SshError(
      "BAD_OPTIONS",
      `host key policy for ${displayHostPort(target.host, target.port)} must have exactly one of knownHostsPath or fingerprint (got ${hasFile ? "both" : "neither"}): never connect without checking the host key`,
    );
  }
  if (hasPin) {
    if (policy.trustOnFirstUse) {
      throw new SshError("BAD_OPTIONS", "trustOnFirstUse needs knownHostsPath (where to record the key), not fingerprint");
    }
    return pinnedVerifier(target, policy.fingerprint as string);
  }
  const extras = (policy.extraKnownHostsPaths ?? SYSTEM_KNOWN_HOSTS).map((f) => path.resolve(f));
  return knownHostsVerifier(
    target,
    path.resolve(policy.knownHostsPath as string),
    extras,
    policy.trustOnFirstUse === true,
    onLearned ?? defaultOnLearned,
  );
}
