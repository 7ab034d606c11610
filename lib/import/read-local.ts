import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";
import { parseConfText } from "../parse/parse-conf";
import { HostLayout, HostSnapshot } from "./host-snapshot";

export interface LocalImportOptions {
  /** "auto" guesses Debian or RHEL from the keyfile and driftfile paths. @default "auto" */
  readonly layout?: "auto" | "debian" | "rhel";
  /** @default "4.3" */
  readonly chronyVersion?: string;
  /** A local copy of the host's chrony.keys, to take its keys into the key store. @default - none */
  readonly keysFile?: string;
}

/** A construct id from a file name: "chrony.conf.example1" → "chrony-conf-example1". */
export function hostNameFromFile(file: string): string {
  const base = path.basename(file).replace(/\.conf$/, "");
  const name = base
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .replace(/\./g, "-")
    .slice(0, 63);
  return name === "" ? "host" : name;
}

/** Debian keeps its files under /etc/chrony, RHEL in /etc: the keyfile and driftfile lines tell. */
export function guessLayout(confText: string): HostLayout {
  const lines = parseConfText(confText, "").map((l) => l.directive);
  const arg = (name: string) => lines.filter((d) => d.name.toLowerCase() === name).at(-1)?.args[0];
  if (arg("keyfile") === "/etc/chrony.keys" || arg("driftfile") === "/var/lib/chrony/drift") return { kind: "rhel" };
  return { kind: "debian" };
}

/**
 * A snapshot of a chrony.conf copied to this machine. The files it names (drop-ins, sources
 * files, chrony.keys) are paths on its host, not here, so they are not read: the note says so, and
 * `--keys` brings the keys.
 */
export function readLocalSnapshot(file: string, options: LocalImportOptions = {}): HostSnapshot {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}: give the path of a chrony.conf`);
  }
  const layout: HostLayout = options.layout === "debian" || options.layout === "rhel" ? { kind: options.layout } : guessLayout(text);
  let keys;
  if (options.keysFile !== undefined) {
    try {
      keys = { path: options.keysFile, text: fs.readFileSync(options.keysFile, "utf8") };
    } catch (err) {
      throw new UserError(`cannot read keys file ${options.keysFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const names = new Set(parseConfText(text, file).map((l) => l.directive.name.toLowerCase()));
  const notes = [...["confdir", "include", "sourcedir"].filter((n) => names.has(n))].map(
    (n) => `${n} lines name folders on the host, which an import from a file does not read: their files stay as they are (import --ssh reads them)`,
  );
  return {
    name: hostNameFromFile(file),
    origin: file,
    conf: { path: file, text },
    included: [],
    sourceFiles: [],
    ...(keys ? { keys } : {}),
    chronyVersion: options.chronyVersion ?? "4.3",
    layout,
    notes,
  };
}
