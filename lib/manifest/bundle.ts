import * as fs from "node:fs";
import { UserError } from "../errors";
import { parseManifest } from "./read";
import { HostManifest, MANIFEST_SCHEMA } from "./schema";

/**
 * All host manifests of a stack in one file, one JSON document per line, written beside the
 * stack's cdk.tf.json. One file per stack, not per host: synth of thousands of hosts must not
 * create thousands of files, and each apply finds its line without parsing the others.
 */
export const BUNDLE_FILE = "chrony-hosts.jsonl";

/** What every line starts with, so a host's line is found by prefix: schema, then id. */
function linePrefix(id: string): string {
  return `{"schema":${JSON.stringify(MANIFEST_SCHEMA)},"id":${JSON.stringify(id)},`;
}

/** One bundle line: the manifest as compact JSON, starting with its schema and id. */
export function bundleLine(m: HostManifest): string {
  const line = JSON.stringify(m);
  if (!line.startsWith(linePrefix(m.id))) throw new Error(`manifest of ${m.id} does not start with schema and id`);
  return `${line}\n`;
}

function unreadable(file: string, err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException).code;
  return new UserError(`cannot read ${file} (${code === "EISDIR" ? "it is a folder" : code}): run 'cdktf synth' first, or pass the stack's ${BUNDLE_FILE}`);
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
    const line = findLine(fd, fs.fstatSync(fd).size, id);
    if (line === undefined) {
      const known = readBundle(file).map((m) => m.id);
      throw new UserError(`no host '${id}' in ${file}: it holds ${known.join(", ") || "no hosts"}`);
    }
    return parseManifest(line, `${file} (host ${id})`);
  } finally {
    fs.closeSync(fd);
  }
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
  for (let pos = from; pos < size; ) {
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

function findLine(fd: number, size: number, id: string): string | undefined {
  // Invariant: every line starting before `lo` has an ID < id; the answer starts in [lo, hi).
  let lo = 0;
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

/** The lines of a stack's hosts, sorted by ID as readBundleHost expects. */
export function bundleText(lines: ReadonlyArray<{ readonly id: string; readonly line: string }>): string {
  return [...lines].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((l) => l.line).join("");
}

export function readBundle(file: string): HostManifest[] {
  return readBundleText(file)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => parseManifest(line, `${file} line ${i + 1}`));
}
