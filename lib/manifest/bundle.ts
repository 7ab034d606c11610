import * as fs from "node:fs";
import { UserError } from "../errors";
import type { HostProfile } from "../model/profiles/host-profile";
import { sha256Hex } from "../sha256";
import { SharedProfiles, parseBundledManifest } from "./read";
import { HostManifest, MANIFEST_SCHEMA } from "./schema";

/**
 * All host manifests of a stack in one file, one JSON document per line, written beside the
 * stack's cdk.tf.json. One file per stack, not per host: synth of thousands of hosts must not
 * create thousands of files, and each apply finds its line without parsing the others.
 *
 * The first line is a header holding what many hosts share, once: the host profiles, by key. A
 * host line names its profile by that key; readers put the profile back (and check each profile
 * once per bundle). A bundle without a header (older versions) has every profile inline.
 */
export const BUNDLE_FILE = "chrony-hosts.jsonl";

/** The header's schema: what the first line of a bundle starts with. */
export const BUNDLE_SCHEMA = "cdktf-chrony/host-bundle@1";
const HEADER_START = `{"schema":"cdktf-chrony/host-bundle@`;

/** A bundle's first line. */
interface BundleHeader {
  readonly schema: string;
  /** Profiles by key (see profileKey). */
  readonly profiles: Record<string, HostProfile>;
}

/** The key a profile is stored under in a bundle's header: the start of the sha256 of its JSON. */
export function profileKey(profile: HostProfile): string {
  return sha256Hex(JSON.stringify(profile)).slice(0, 16);
}

/** One host of a bundle being written: its ID, its line (bundleLine), the key of its profile. */
export interface BundleEntry {
  readonly id: string;
  readonly line: string;
  readonly profile: string;
}

/** What every line starts with, so a host's line is found by prefix: schema, then id. */
function linePrefix(id: string): string {
  return `{"schema":${JSON.stringify(MANIFEST_SCHEMA)},"id":${JSON.stringify(id)},`;
}

/** A host's bundle line: its manifest as compact JSON, schema and id first, its profile named by `profile` (a key of the header). */
export function bundleLine(m: HostManifest, profile: string = profileKey(m.profile)): string {
  const line = JSON.stringify({ ...m, profile });
  if (!line.startsWith(linePrefix(m.id))) throw new Error(`manifest of ${m.id} does not start with schema and id`);
  return `${line}\n`;
}

/**
 * Writes a stack's bundle: the header with the profiles its hosts use, then their lines sorted by
 * ID (as readBundleHost expects), written out in pieces rather than built as one string.
 */
export function writeBundle(file: string, entries: readonly BundleEntry[], profiles: ReadonlyMap<string, HostProfile>): void {
  const sorted = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const used: Record<string, HostProfile> = {};
  for (const key of [...new Set(sorted.map((e) => e.profile))].sort()) {
    const profile = profiles.get(key);
    if (!profile) throw new Error(`no profile ${key} for the bundle ${file}`);
    used[key] = profile;
  }
  const header: BundleHeader = { schema: BUNDLE_SCHEMA, profiles: used };
  const fd = fs.openSync(file, "w");
  try {
    fs.writeSync(fd, `${JSON.stringify(header)}\n`);
    const chunk: string[] = [];
    let size = 0;
    for (const e of sorted) {
      chunk.push(e.line);
      size += e.line.length;
      if (size >= 1 << 20) {
        fs.writeSync(fd, chunk.join(""));
        chunk.length = 0;
        size = 0;
      }
    }
    if (chunk.length > 0) fs.writeSync(fd, chunk.join(""));
  } finally {
    fs.closeSync(fd);
  }
}

function unreadable(file: string, err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException).code;
  return new UserError(
    `cannot read ${file} (${code === "EISDIR" ? "it is a folder" : code}): run 'cdktf synth' first, or pass the stack's ${BUNDLE_FILE}`,
  );
}

function readBundleText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw unreadable(file, err);
  }
}

/**
 * One host's manifest from a bundle. Lines are sorted by host ID, so a binary search over the
 * file reads a few small pieces of it: each provisioner process pays the same whatever the size
 * of the fleet.
 */
export function readBundleHost(file: string, id: string): HostManifest {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (err) {
    throw unreadable(file, err);
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw unreadable(file, Object.assign(new Error(), { code: "EISDIR" }));
    const size = fs.fstatSync(fd).size;
    const header = readHeader(fd, size, file);
    const line = findLine(fd, size, header?.end ?? 0, id);
    if (line === undefined) {
      const known = readBundle(file).map((m) => m.id);
      throw new UserError(`no host '${id}' in ${file}: it holds ${known.join(", ") || "no hosts"}`);
    }
    return parseBundledManifest(line, `${file} (host ${id})`, shared(header?.header));
  } finally {
    fs.closeSync(fd);
  }
}

function shared(header: BundleHeader | undefined): SharedProfiles {
  return { profiles: header?.profiles ?? {}, checked: new Map() };
}

/** The header line, if the bundle has one, and where the host lines start. */
function readHeader(fd: number, size: number, file: string): { header: BundleHeader; end: number } | undefined {
  const first = readUntilNewline(fd, size, 0);
  if (first === undefined || !first.startsWith(HEADER_START)) return undefined;
  return { header: parseHeader(first, file), end: Buffer.byteLength(first) + 1 };
}

function parseHeader(text: string, file: string): BundleHeader {
  let header: BundleHeader;
  try {
    header = JSON.parse(text) as BundleHeader;
  } catch {
    throw new UserError(`the header of ${file} is not valid JSON: synthesize it again with 'cdktf synth'`);
  }
  if (header.schema !== BUNDLE_SCHEMA) {
    throw new UserError(
      `${file} starts with a header of schema ${JSON.stringify(header.schema)}; this CLI reads ${BUNDLE_SCHEMA}: synthesize again with this version`,
    );
  }
  if (typeof header.profiles !== "object" || header.profiles === null)
    throw new UserError(`the header of ${file} has no profiles: synthesize it again with 'cdktf synth'`);
  return header;
}

/** The whole line that starts at or after `from`, with its start; undefined past the end. */
function lineAt(fd: number, size: number, from: number): { start: number; text: string } | undefined {
  let start = from;
  if (from > 0) {
    // Skip the rest of the line `from` falls in.
    const probe = readUntilNewline(fd, size, from - 1);
    if (probe === undefined) return undefined;
    start = from - 1 + Buffer.byteLength(probe) + 1;
  }
  if (start >= size) return undefined;
  const text = readUntilNewline(fd, size, start);
  return text === undefined ? undefined : { start, text };
}

function readUntilNewline(fd: number, size: number, from: number): string | undefined {
  const chunks: Buffer[] = [];
  for (let pos = from; pos < size;) {
    const buf = Buffer.alloc(Math.min(16_384, size - pos));
    const n = fs.readSync(fd, buf, 0, buf.length, pos);
    if (n <= 0) break;
    const nl = buf.subarray(0, n).indexOf(10);
    if (nl >= 0) {
      chunks.push(buf.subarray(0, nl));
      return Buffer.concat(chunks).toString("utf8");
    }
    chunks.push(buf.subarray(0, n));
    pos += n;
  }
  return chunks.length > 0 ? Buffer.concat(chunks).toString("utf8") : undefined;
}

function idOf(line: string): string | undefined {
  const match = /^\{"schema":"[^"]*","id":("(?:[^"\\]|\\.)*")/.exec(line);
  return match ? (JSON.parse(match[1]) as string) : undefined;
}

function findLine(fd: number, size: number, start: number, id: string): string | undefined {
  // Invariant: every line starting before `lo` has an ID < id; the answer starts in [lo, hi).
  let lo = start;
  let hi = size;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const line = lineAt(fd, size, mid);
    if (line === undefined || line.start >= hi) {
      hi = mid;
      continue;
    }
    const lineId = idOf(line.text);
    if (lineId === undefined) throw new UserError(`the bundle is damaged near byte ${line.start}: synthesize it again with 'cdktf synth'`);
    if (lineId === id) return line.text;
    if (lineId < id) lo = line.start + Buffer.byteLength(line.text) + 1;
    else hi = mid;
  }
  // The range narrowed to one line start that a probe from inside it skipped: check it directly.
  const last = lineAt(fd, size, lo);
  return last && idOf(last.text) === id ? last.text : undefined;
}

export function readBundle(file: string): HostManifest[] {
  const lines = readBundleText(file).split("\n");
  const header = lines[0]?.startsWith(HEADER_START) ? parseHeader(lines[0], file) : undefined;
  const profiles = shared(header);
  const out: HostManifest[] = [];
  for (let i = header ? 1 : 0; i < lines.length; i++) {
    if (lines[i].trim() !== "") out.push(parseBundledManifest(lines[i], `${file} line ${i + 1}`, profiles));
  }
  return out;
}
