import * as fs from "node:fs";
import * as path from "node:path";
import { ApplyResult } from "./apply";

/**
 * The last apply of each host, kept in the stack's folder of the synth output (where Terraform
 * runs the provisioner) so a report (the demo, CI logs) can say which action each host got.
 * Holds no secrets.
 */
export const APPLY_RECORD_FOLDER = "chrony-apply-results";

function recordPath(stackDir: string, hostId: string): string {
  return path.join(stackDir, APPLY_RECORD_FOLDER, `${hostId}.json`);
}

export function writeApplyRecord(stackDir: string, result: ApplyResult): void {
  const file = recordPath(stackDir, result.host);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ ...result, at: new Date().toISOString() }, null, 2)}\n`);
}

export function readApplyRecord(stackDir: string, hostId: string): (ApplyResult & { at: string }) | undefined {
  const file = recordPath(stackDir, hostId);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
}
