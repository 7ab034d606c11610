import { ConfigError } from "./config-error";

/** A chrony release, compared numerically: 4.10 is newer than 4.9. */
export interface ChronyVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly text: string;
}

/** Debian 12's chrony, the version the project tests against. */
export const DEFAULT_CHRONY_VERSION = "4.3";

/**
 * The newest release whose grammar we model (conf.c and chrony.conf(5) of 4.8). On a newer host a
 * directive or an option we do not know may be new: it is let through with a warning, and chronyd
 * -p checks it on the host at apply.
 */
export const NEWEST_MODELLED_VERSION = "4.8";

/** The oldest version whose grammar we model; older hosts are refused rather than guessed at. */
export const OLDEST_SUPPORTED_VERSION = "1.31";

const VERSION_PATTERN = /^(\d+)\.(\d+)(?:\.(\d+))?$/;

export function parseChronyVersion(text: string): ChronyVersion {
  const match = VERSION_PATTERN.exec(text.trim());
  if (!match) {
    throw new ConfigError(`invalid chrony version '${text}': use the release number as chronyd --version prints it, e.g. "4.3"`);
  }
  const version = { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0), text: text.trim() };
  if (compareVersions(version, OLDEST) < 0) {
    throw new ConfigError(
      `chrony version '${text}' is older than ${OLDEST_SUPPORTED_VERSION}, the oldest this library models: upgrade chrony on the host`,
    );
  }
  return version;
}

const OLDEST: ChronyVersion = { major: 1, minor: 31, patch: 0, text: OLDEST_SUPPORTED_VERSION };

export function compareVersions(a: ChronyVersion, b: ChronyVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** True when `version` is `since` or newer; `since` is a literal like "4.0". */
export function isAtLeast(version: ChronyVersion, since: string): boolean {
  const match = VERSION_PATTERN.exec(since);
  if (!match) throw new Error(`bad version literal ${since}`);
  return compareVersions(version, { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0), text: since }) >= 0;
}
