import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Overrides where the project folder is, at synth and on the deploy side. */
export const PROJECT_DIR_ENV = "CDKTF_CHRONY_PROJECT_DIR";

/**
 * A path from the app as the controller should read it: `~/...` in the home folder of whoever runs
 * the command, a relative path in the project folder, an absolute path as is. Manifests keep paths
 * as the app wrote them, so synth and deploy may run on different machines and checkouts.
 */
export function resolveProjectPath(file: string, projectDir: string): string {
  const expanded = expandHome(file);
  return expanded === file ? path.resolve(projectDir, file) : expanded;
}

/** `~` and `~/...` in the home folder of whoever runs the command, as a shell expands them; anything else as is. */
export function expandHome(file: string): string {
  if (file === "~") return os.homedir();
  return file.startsWith("~/") ? path.join(os.homedir(), file.slice(2)) : file;
}

/**
 * The project folder on the deploy side: CDKTF_CHRONY_PROJECT_DIR, else the nearest folder at or
 * above `start` that holds a cdktf.json (the provisioner runs in cdktf.out/stacks/<stack>, inside
 * the project), else `start` itself.
 */
export function findProjectDir(start: string): string {
  const fromEnv = process.env[PROJECT_DIR_ENV];
  if (fromEnv) return path.resolve(fromEnv);
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "cdktf.json"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start);
  }
}
