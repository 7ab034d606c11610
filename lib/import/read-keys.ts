import { isUserError } from "../errors";
import { checkKeyMaterial, decodeKeyMaterial } from "../keys/key-material";
import { DEFAULT_KEY_LINE_TYPE, KEY_TYPES, NtpKeyTypeName } from "../keys/key-type";
import { parseKeyFile } from "../parse/parse-keys";
import { ImportReport } from "./import-report";

/** A key read from a host's chrony.keys. `material` is secret: it goes to the key store only. */
export interface ImportedKey {
  readonly id: number;
  readonly type: NtpKeyTypeName;
  /** As written in chrony.keys (HEX:..., ASCII:... or bare text). */
  readonly material: string;
}

/**
 * The keys of a chrony.keys file that chronyd would load, and reports (file and line, never the
 * material) for the lines it would not, or that cannot be declared as an NtpKey.
 */
export function readKeys(text: string, file: string): { keys: ImportedKey[]; skipped: number[]; reports: ImportReport[] } {
  const parsed = parseKeyFile(text);
  const reports: ImportReport[] = parsed.problems.map((p) => ({
    at: `${file}:${p.lineNumber}`,
    level: "error",
    message: `${p.message}; chronyd skips it, and so does the import`,
  }));
  const keys: ImportedKey[] = [];
  const skipped: number[] = [];
  const seen = new Set<number>();
  for (const entry of parsed.entries) {
    const at = `${file}:${entry.lineNumber}`;
    if (seen.has(entry.id)) continue;
    seen.add(entry.id);
    const type = entry.type ?? DEFAULT_KEY_LINE_TYPE;
    if (!KEY_TYPES.has(type)) {
      reports.push({
        at,
        level: "error",
        message: `key ${entry.id} has type '${type}', which Debian's and RHEL's chrony do not support: not imported; replace it with a supported type (cdktf-chrony keygen ${entry.id} SHA256)`,
      });
      skipped.push(entry.id);
      continue;
    }
    try {
      const bytes = decodeKeyMaterial(entry.id, entry.material);
      const check = checkKeyMaterial(entry.id, type as NtpKeyTypeName, bytes);
      for (const e of check.errors) reports.push({ at, level: "error", message: `${e}; not imported` });
      if (check.errors.length > 0) {
        skipped.push(entry.id);
        continue;
      }
      for (const w of check.warnings) reports.push({ at, level: "warning", message: w });
    } catch (err) {
      if (!isUserError(err)) throw err;
      reports.push({ at, level: "error", message: `${err.message}; not imported` });
      skipped.push(entry.id);
      continue;
    }
    keys.push({ id: entry.id, type: type as NtpKeyTypeName, material: entry.material });
  }
  return { keys, skipped, reports };
}
