import * as fs from "node:fs";
import { UserError } from "../errors";
import { HostManifest, MANIFEST_SCHEMA, parseManifest } from "./manifest";

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

function readBundleText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new UserError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code}): run 'cdktf synth' first, or pass the stack's ${BUNDLE_FILE}`);
  }
}

/** One host's manifest from a bundle; only that line is parsed. */
export function readBundleHost(file: string, id: string): HostManifest {
  const text = readBundleText(file);
  const prefix = linePrefix(id);
  const start = text.startsWith(prefix) ? 0 : text.indexOf(`\n${prefix}`) + 1;
  if (start === 0 && !text.startsWith(prefix)) {
    const known = readBundle(file).map((m) => m.id);
    throw new UserError(`no host '${id}' in ${file}: it holds ${known.join(", ") || "no hosts"}`);
  }
  const end = text.indexOf("\n", start);
  return parseManifest(text.slice(start, end < 0 ? undefined : end), `${file} (host ${id})`);
}

export function readBundle(file: string): HostManifest[] {
  return readBundleText(file)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => parseManifest(line, `${file} line ${i + 1}`));
}
