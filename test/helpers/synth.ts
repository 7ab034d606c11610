import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App, TerraformStack, Testing } from "cdktf";
import { onTestFinished } from "vitest";

/** A fresh app and stack whose key store and fingerprint salt live in a temp project folder. */
export function testStack(): { app: App; stack: TerraformStack; projectDir: string } {
  const projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-chrony-project-"));
  // Testing.app() writes its synth output under the system temp folder as well: both go when the test ends.
  onTestFinished(() => {
    fs.rmSync(projectDir, { recursive: true, force: true });
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });
  process.env.CDKTF_CHRONY_PROJECT_DIR = projectDir;
  const app = Testing.app();
  const stack = new TerraformStack(app, "fleet");
  return { app, stack, projectDir };
}

/** Every file under a folder, as text, for searching synth output. */
export function readTree(dir: string): string {
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else parts.push(fs.readFileSync(p, "latin1"));
    }
  };
  walk(dir);
  return parts.join("\n");
}

/** All the ways a key's material could appear in text. */
export function materialForms(material: Buffer): string[] {
  const hex = material.toString("hex");
  return [hex, hex.toUpperCase(), material.toString("base64"), material.toString("latin1")].filter((s) => s.length >= 8);
}
