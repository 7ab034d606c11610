import { promises as fs } from "node:fs";

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** Write `content` unless the file already holds it; always leave `mode` set. True when written. */
export async function writeIfChanged(file: string, content: string, mode: number): Promise<boolean> {
  const current = await fs.readFile(file, "utf8").catch(() => undefined);
  if (current === content) {
    await fs.chmod(file, mode);
    return false;
  }
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, content, { mode });
  await fs.chmod(tmp, mode);
  await fs.rename(tmp, file);
  return true;
}

/** Create a folder if needed, then set its mode and owner exactly (mkdir's mode is masked by umask). */
export async function ensureDir(dir: string, mode: number, uid = 0, gid = 0): Promise<void> {
  try {
    await fs.mkdir(dir, { mode });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  await fs.chown(dir, uid, gid);
  await fs.chmod(dir, mode);
}
