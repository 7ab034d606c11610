import * as fs from "node:fs";
import { UserError } from "../errors";
import { resolveProjectPath } from "../project";
import { decodeKeyMaterial } from "./key-material";
import { KeySourceSpec, describeKeySource } from "./key-source";
import { readOrCreateStoredKey } from "./key-store";
import { runSecretCommand } from "./secret-command";
import { NtpKeyTypeName } from "./key-type";

export interface KeyReference {
  readonly id: number;
  readonly type: NtpKeyTypeName;
  readonly source: KeySourceSpec;
}

export interface ResolveKeyOptions {
  /**
   * Generate a key-store key that does not exist yet. Only synth does: a deploy that generated one
   * would put a key on the host that no other host has.
   */
  readonly createInKeyStore: boolean;
}

/**
 * Reads a key's material from its source. Relative paths resolve against `baseDir` (the project
 * folder), `~/` against the home folder. Errors name the key and its source, never the material.
 */
export function resolveKeyMaterial(key: KeyReference, baseDir: string, options: ResolveKeyOptions): Buffer {
  const where = `key ${key.id} (${describeKeySource(key.source)})`;
  const source = key.source;
  switch (source.kind) {
    case "env": {
      const value = process.env[source.variable];
      if (value === undefined || value.trim() === "") {
        throw new UserError(
          `${where}: the variable is not set: export ${source.variable}=HEX:... (generate one with 'cdktf-chrony keygen ${key.id} ${key.type}')`,
        );
      }
      return decodeKeyMaterial(key.id, value.trim());
    }
    case "file": {
      const file = resolveProjectPath(source.path, baseDir);
      let text: string;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch (err) {
        throw new UserError(
          `${where}: cannot read ${file} (${(err as NodeJS.ErrnoException).code}): create it with the key's material (HEX:... or ASCII:...)`,
        );
      }
      return decodeKeyMaterial(key.id, text.trim());
    }
    case "keyStore":
      return decodeKeyMaterial(key.id, readOrCreateStoredKey(resolveProjectPath(source.dir, baseDir), key.id, key.type, options.createInKeyStore));
    case "command":
      return decodeKeyMaterial(key.id, runSecretCommand(source.argv, baseDir, where, "the key").trim());
  }
}
