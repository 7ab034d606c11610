import { createHmac, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as v from "valibot";
import { UserError } from "../errors";
import { resolveProjectPath } from "../project";
import { controllerPathSchema, envVariableSchema } from "./key-source";

/**
 * Where the fingerprint salt comes from. A keyed fingerprint (HMAC with a secret salt) can go into
 * Terraform state and logs: unlike a bare hash, it cannot be brute-forced back to a weak key.
 */
export const fingerprintSaltSchema = v.variant("kind", [
  v.object({ kind: v.literal("env"), variable: envVariableSchema }),
  v.object({ kind: v.literal("file"), path: controllerPathSchema }),
]);
export type FingerprintSaltSpec = v.InferOutput<typeof fingerprintSaltSchema>;

export const FINGERPRINT_SALT_ENV = "CDKTF_CHRONY_FINGERPRINT_SALT";

/** The salt file inside the project's key store (a path relative to the project), created on first use. */
export function defaultSaltSpec(keyStoreDir: string): FingerprintSaltSpec {
  return process.env[FINGERPRINT_SALT_ENV]
    ? { kind: "env", variable: FINGERPRINT_SALT_ENV }
    : { kind: "file", path: path.posix.join(keyStoreDir, "fingerprint.salt") };
}

/**
 * The salt's bytes. Synth creates the salt file on first use (`create`); apply and drift must find
 * the one synth used, or every fingerprint would look changed, so there a missing salt is an error
 * naming the file or variable to provide.
 */
export function resolveSalt(spec: FingerprintSaltSpec, baseDir: string, options: { readonly create: boolean }): Buffer {
  if (spec.kind === "env") {
    const value = process.env[spec.variable];
    if (!value) {
      throw new UserError(`fingerprint salt: ${spec.variable} is not set: export the same value that was used at synth`);
    }
    return Buffer.from(value, "utf8");
  }
  const file = resolveProjectPath(spec.path, baseDir);
  if (!fs.existsSync(file)) {
    if (!options.create) {
      throw new UserError(
        `fingerprint salt ${file} is missing: copy the project's ${path.basename(file)} from where synth ran (or set ${FINGERPRINT_SALT_ENV} to the value used at synth); a new salt would make every key look changed`,
      );
    }
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, randomBytes(32).toString("hex") + "\n", { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  return Buffer.from(fs.readFileSync(file, "utf8").trim(), "utf8");
}

/** `hmac-sha256:` and 32 hex digits over the key's ID, type and material. */
export function keyFingerprint(salt: Buffer, keyId: number, type: string, material: Buffer): string {
  const mac = createHmac("sha256", salt).update(`cdktf-chrony key v1\0${keyId}\0${type}\0`).update(material).digest("hex");
  return `hmac-sha256:${mac.slice(0, 32)}`;
}
