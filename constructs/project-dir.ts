import { findProjectDir } from "../lib/project";

/**
 * The folder relative key paths, the key store and the fingerprint salt resolve against: the
 * project (the folder with cdktf.json at or above where synth runs), or CDKTF_CHRONY_PROJECT_DIR.
 */
export function projectDir(): string {
  return findProjectDir(process.cwd());
}
