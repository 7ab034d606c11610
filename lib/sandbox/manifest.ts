import { promises as fs } from "node:fs";
import { UserError } from "../errors";
import { manifestPath, type SandboxManifest } from "./layout";

/** D/sandbox.json, or undefined when the folder holds no sandbox. */
export async function readManifest(dir: string): Promise<SandboxManifest | undefined> {
  const file = manifestPath(dir);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UserError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const manifest = JSON.parse(text) as SandboxManifest;
    if (!Array.isArray(manifest.hosts) || typeof manifest.controller !== "object") throw new Error("missing hosts or controller");
    return manifest;
  } catch (err) {
    throw new UserError(`${file} is not a sandbox manifest (${(err as Error).message}): remove the folder or pick another --dir`);
  }
}

export async function writeManifest(dir: string, manifest: SandboxManifest): Promise<void> {
  const file = manifestPath(dir);
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  if ((await fs.readFile(file, "utf8").catch(() => undefined)) === text) return;
  const tmp = `${file}.tmp`;
  await fs.writeFile(tmp, text, { mode: 0o644 });
  await fs.rename(tmp, file);
}
