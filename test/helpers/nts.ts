import { createPrivateKey } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { materialForms } from "./synth";

/**
 * Every NTS private key of a project's key store (the CAs' and the issued servers'), in the forms
 * it could leak in: the private scalar d (hex, base64, base64url, raw) and the PEM line holding it.
 * The rest of a PKCS#8 encoding is a fixed header and the public key, which certificates carry.
 */
export function storedNtsKeyForms(projectDir: string): string[] {
  const dir = path.join(projectDir, ".chrony-keys", "nts");
  const keys = fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".key"));
  if (keys.length === 0) throw new Error(`no NTS keys in ${dir}`);
  return keys.flatMap((f) => {
    const pem = fs.readFileSync(path.join(dir, f), "utf8");
    const d = Buffer.from(createPrivateKey(pem).export({ format: "jwk" }).d!, "base64url");
    return [...materialForms(d), d.toString("base64url"), pem.split("\n")[1]];
  });
}
