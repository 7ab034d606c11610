import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";
import { generateKey } from "./keygen";
import { NtpKeyTypeName } from "./key-type";

/**
 * A folder of generated keys, one file per key ID holding its chrony.keys line. Files are created
 * 0600 and the folder 0700; the README says to keep it out of git (the project's .gitignore does).
 */
export function keyStorePath(dir: string, keyId: number): string {
  return path.join(dir, `key-${keyId}.line`);
}

/** The stored material of a key; generated when missing if `create` (synth), an error otherwise (deploys). */
export function readOrCreateStoredKey(dir: string, keyId: number, type: NtpKeyTypeName, create: boolean): string {
  const file = keyStorePath(dir, keyId);
  if (fs.existsSync(file)) {
    const [id, storedType, material] = fs.readFileSync(file, "utf8").trim().split(/\s+/);
    if (Number(id) !== keyId || !material) {
      throw new UserError(`key store file ${file} is not a key line for key ${keyId}: delete it to generate a new key`);
    }
    if (storedType !== type) {
      throw new UserError(
        `key ${keyId} in key store ${dir} is ${storedType}, but the app declares ${type}: change the type back, or delete ${file} to generate a new key (then redeploy every host that holds it)`,
      );
    }
    return material;
  }
  if (!create) {
    throw new UserError(
      `key ${keyId} is not in the key store ${dir} (${file} is missing): copy the project's key store from where synth ran, or run synth here first; a deploy never generates keys`,
    );
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = generateKey({ id: keyId, type });
  // wx: never overwrite a key another process created in the meantime.
  try {
    fs.writeFileSync(file, `${key.line}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return readOrCreateStoredKey(dir, keyId, type, create);
    throw err;
  }
  return key.line.split(" ")[2];
}
