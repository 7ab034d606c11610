import * as fs from "node:fs";
import * as path from "node:path";
import { ApplyResult } from "./apply";

/**
 * The last apply of each host, kept beside the stack's manifests so a report (the demo, CI logs)
 * can say which action each host got. Holds no secrets.
 */
export const APPLY_RECORD_FOLDER = "chrony-apply-results";

export function applyRecordPath(manifestFile: string, hostId: string): string {
  return path.join(path.dirname(path.dirname(path.resolve(manifestFile))), APPLY_RECORD_FOLDER, `${hostId}.json`);
}

export function writeApplyRecord(manifestFile: string, result: ApplyResult): void {
  const file = applyRecordPath(manifestFile, result.host);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ ...result, at: new Date().toISOString() }, null, 2)}\n`);
}

export function readApplyRecord(manifestFile: string, hostId: string): (ApplyResult & { at: string }) | undefined {
  const file = applyRecordPath(manifestFile, hostId);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
}
