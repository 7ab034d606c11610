import type { SandboxHostLayout } from "../model/profiles/presets";

/** A file read from a host (or from this machine), as text. */
export interface SnapshotFile {
  /** The path on the host. */
  readonly path: string;
  readonly text: string;
}

/** The layout of the host's chrony files, which picks the profile. */
export type HostLayout = { readonly kind: "debian" } | { readonly kind: "rhel" } | { readonly kind: "sandbox"; readonly layout: SandboxHostLayout };

/** How the generated app reaches the host over SSH. */
export interface SnapshotTarget {
  readonly address: string;
  /** @default 22 */
  readonly port?: number;
  /** @default "root" */
  readonly user?: string;
  /** As the user gave it (a relative path resolves against the project folder). @default - the ssh-agent */
  readonly privateKeyPath?: string;
  /** @default - ~/.ssh/known_hosts */
  readonly knownHostsPath?: string;
}

/**
 * Everything `import` read about one host: its chrony.conf, the files chronyd reads because of it,
 * and where it came from. Key material is in `keys.text` only: it goes to the key store and nowhere
 * else.
 */
export interface HostSnapshot {
  /** The host's name in the app (a construct id). */
  readonly name: string;
  /** Where chrony.conf was read from, for messages: a local path, or `host:/etc/chrony/chrony.conf`. */
  readonly origin: string;
  readonly conf: SnapshotFile;
  /** Files read by confdir and include lines, by the path the line names or globs to. */
  readonly included: readonly SnapshotFile[];
  /** `*.sources` files of each sourcedir line's folders. */
  readonly sourceFiles: readonly SnapshotFile[];
  /** chrony.keys, when it was read. */
  readonly keys?: SnapshotFile;
  /** The chrony release on the host (`chronyd --version`), or as the user said. */
  readonly chronyVersion: string;
  readonly layout: HostLayout;
  /** How to reach it over SSH; undefined for a file import (the app then names the host by `name`). */
  readonly target?: SnapshotTarget;
  /** Things worth telling about the reading itself (a file that could not be read...). */
  readonly notes: readonly string[];
}
