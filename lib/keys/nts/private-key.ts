import { createHmac, createPrivateKey, type KeyObject } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as v from "valibot";
import { UserError } from "../../errors";
import { resolveProjectPath } from "../../project";
import { runSecretCommand } from "../secret-command";
import { controllerPathSchema, envVariableSchema } from "../key-source";

/**
 * Where an NTS server's private key comes from: an environment variable, a file or a command that
 * gives it in PEM form (a certificate you bring), or the project's key store (a certificate an
 * NtsCertificateAuthority of the app issued at synth). Like an NTP key's source, only this
 * description reaches synth output and state; the key is read at synth (to check it matches its
 * certificate and to fingerprint it) and at apply (to write it on the host), never stored elsewhere.
 */
export const ntsKeySourceSchema = v.variant("kind", [
  v.object({ kind: v.literal("env"), variable: envVariableSchema }),
  v.object({ kind: v.literal("file"), path: controllerPathSchema }),
  v.object({ kind: v.literal("command"), argv: v.pipe(v.array(v.string()), v.minLength(1, "a command with at least the program name")) }),
  /** In the key store folder `dir`, at `file` below it (e.g. nts/fleet-ca/server-a.key). */
  v.object({
    kind: v.literal("keyStore"),
    dir: controllerPathSchema,
    file: v.pipe(v.string(), v.regex(/^nts\/[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+\.key$/, "a key store file such as nts/fleet-ca/server-a.key")),
  }),
]);
export type NtsKeySourceSpec = v.InferOutput<typeof ntsKeySourceSchema>;

/** One line for tables and messages; never includes the key. */
export function describeNtsKeySource(source: NtsKeySourceSpec): string {
  switch (source.kind) {
    case "env":
      return `env ${source.variable}`;
    case "file":
      return `file ${source.path}`;
    case "command":
      return `command ${source.argv[0]}`;
    case "keyStore":
      return `key store ${path.posix.join(source.dir, source.file)}`;
  }
}

function readPem(source: NtsKeySourceSpec, baseDir: string, where: string): string {
  switch (source.kind) {
    case "env": {
      const value = process.env[source.variable];
      if (value === undefined || value.trim() === "")
        throw new UserError(`${where}: ${source.variable} is not set: export the PEM private key in it`);
      return value;
    }
    case "file":
    case "keyStore": {
      const file =
        source.kind === "file" ? resolveProjectPath(source.path, baseDir) : path.join(resolveProjectPath(source.dir, baseDir), source.file);
      try {
        return fs.readFileSync(file, "utf8");
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new UserError(
          source.kind === "file"
            ? `${where}: cannot read ${file} (${code}): put the PEM private key there`
            : `${where}: ${file} is missing from the key store (${code}): copy the project's key store from where synth ran, or run synth here first; a deploy never issues certificates`,
        );
      }
    }
    case "command":
      return runSecretCommand(source.argv, baseDir, where, "the PEM private key");
  }
}

/** Reads and parses the private key. Errors name the source, never the key. */
export function resolveNtsPrivateKey(source: NtsKeySourceSpec, baseDir: string, where: string): KeyObject {
  const pem = readPem(source, baseDir, `${where} (${describeNtsKeySource(source)})`);
  try {
    return createPrivateKey({ key: pem, format: "pem" });
  } catch {
    throw new UserError(
      `${where} (${describeNtsKeySource(source)}): not a PEM private key (unencrypted PKCS#8, SEC1 or PKCS#1): give the key without a passphrase`,
    );
  }
}

/** The key as written on the host: unencrypted PKCS#8 PEM, which chronyd's GnuTLS reads. Secret. */
export function privateKeyPem(key: KeyObject): string {
  return key.export({ type: "pkcs8", format: "pem" }) as string;
}

/** A keyed fingerprint of an NTS private key, in the NTP keys' format (HMAC-SHA256 with the project's salt). */
export function ntsKeyFingerprint(salt: Buffer, key: KeyObject): string {
  const der = key.export({ type: "pkcs8", format: "der" });
  try {
    return `hmac-sha256:${createHmac("sha256", salt).update("cdktf-chrony nts key v1\0").update(der).digest("hex").slice(0, 32)}`;
  } finally {
    der.fill(0);
  }
}
