import { UserError } from "../errors";
import { SourcesPlacement } from "../model/chrony-config";
import { packageVersion } from "../package-info";
import { generateMainTs } from "./generate-app";
import { HostSnapshot } from "./host-snapshot";
import { ImportedFleet, linkFleet } from "./import-fleet";
import { importHost } from "./import-host";
import { ImportReport } from "./import-report";
import { readLocalSnapshot } from "./read-local";
import { SshImportOptions, readSshSnapshot } from "./read-ssh";
import { WrittenProject, writeProject } from "./write-project";

export interface ImportRequest {
  /** chrony.conf files on this machine, or SSH targets. */
  readonly files?: readonly string[];
  readonly ssh?: readonly string[];
  readonly sshOptions?: SshImportOptions;
  /** For files: the layout. @default "auto" */
  readonly layout?: "auto" | "debian" | "rhel";
  /** For files: the chrony release they are for. @default "4.3" */
  readonly chronyVersion?: string;
  /** For one file: a copy of its host's chrony.keys. */
  readonly keysFile?: string;
  /** @default - where they are on each host */
  readonly sourcesPlacement?: SourcesPlacement;
  readonly outDir: string;
  readonly stackName?: string;
  readonly force?: boolean;
}

export interface ImportResult {
  readonly fleet: ImportedFleet;
  readonly project: WrittenProject;
  /** Every report, by host (host reports and fleet reports). */
  readonly reports: ReadonlyArray<{ readonly host: string; readonly report: ImportReport }>;
  /** True when some line is not reproduced (an "error" report). */
  readonly incomplete: boolean;
}

/** Reads the hosts, imports them, links them, and writes the app and the key store. */
export async function runImport(request: ImportRequest): Promise<ImportResult> {
  const files = request.files ?? [];
  const targets = request.ssh ?? [];
  if (files.length === 0 && targets.length === 0)
    throw new UserError("nothing to import: give chrony.conf files, or --ssh and [USER@]HOST[:PORT] targets");
  if (files.length > 0 && targets.length > 0) throw new UserError("give either chrony.conf files or --ssh targets, not both");
  if (request.keysFile !== undefined && files.length !== 1)
    throw new UserError("--keys goes with exactly one chrony.conf file (the host the keys file belongs to)");
  const snapshots: HostSnapshot[] = [];
  for (const f of files)
    snapshots.push(readLocalSnapshot(f, { layout: request.layout, chronyVersion: request.chronyVersion, keysFile: request.keysFile }));
  // One host at a time: an import is interactive and small; a failure names its host.
  for (const t of targets) snapshots.push(await readSshSnapshot(t, { ...request.sshOptions, layout: request.layout ?? request.sshOptions?.layout }));
  const fleet = linkFleet(snapshots.map((s) => importHost(s, { sourcesPlacement: request.sourcesPlacement })));
  const mainTs = generateMainTs(fleet, { stackName: request.stackName });
  const project = writeProject(
    request.outDir,
    { mainTs, keys: fleet.keys, libraryVersion: packageVersion(), hostNames: fleet.hosts.map((h) => h.name) },
    { force: request.force },
  );
  const reports = [...fleet.hosts.flatMap((h) => h.reports.map((report) => ({ host: h.name, report }))), ...fleet.reports];
  return { fleet, project, reports, incomplete: reports.some((r) => r.report.level === "error") };
}
