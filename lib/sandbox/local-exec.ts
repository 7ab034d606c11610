import { execFile } from "node:child_process";

export interface LocalResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// Daemons and tools get a plain environment, as under an init system: no inherited PATH surprises.
const PLAIN_ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C", LC_ALL: "C" };

/** Run a program (no shell) and collect its output; a non-zero exit is a result, not an error. */
export function runLocal(file: string, args: readonly string[], timeoutMs = 30_000): Promise<LocalResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env: PLAIN_ENV, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      let code: number | null = 0;
      if (e) code = typeof e.code === "number" ? e.code : null;
      const extra = e && typeof e.code === "string" ? `${e.code}: ${e.message}` : "";
      resolve({ code, stdout: String(stdout), stderr: `${String(stderr)}${extra}` });
    });
  });
}
