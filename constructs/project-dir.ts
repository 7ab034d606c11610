/**
 * The folder relative key paths, the key store and the fingerprint salt resolve against: the
 * folder synth runs in (where cdktf.json is), or CDKTF_CHRONY_PROJECT_DIR.
 */
export function projectDir(): string {
  return process.env.CDKTF_CHRONY_PROJECT_DIR || process.cwd();
}
