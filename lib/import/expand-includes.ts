import * as path from "node:path";
import { Directive } from "../model/directive";
import { parseConfText } from "../parse/parse-conf";
import { SnapshotFile } from "./host-snapshot";

/** A shell glob (as chronyd's include passes it to glob(3)) as a regular expression. */
function globPattern(glob: string): RegExp {
  let re = "";
  for (const ch of glob) re += ch === "*" ? "[^/]*" : ch === "?" ? "[^/]" : ch.replace(/[.+^${}()|\\[\]]/g, "\\$&");
  return new RegExp(`^${re}$`);
}

/** The files an `include GLOB` line reads, in glob(3)'s sorted order. */
export function filesOfInclude(glob: string, files: readonly SnapshotFile[]): SnapshotFile[] {
  const re = globPattern(glob);
  return files.filter((f) => re.test(f.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The files a `confdir` (or `sourcedir`) line reads: `*SUFFIX` in each folder, sorted by file name;
 * of files with the same name, only the one in the first folder listed (chrony's search_dirs).
 */
export function filesOfDirs(dirs: readonly string[], suffix: string, files: readonly SnapshotFile[]): SnapshotFile[] {
  const byName = new Map<string, SnapshotFile>();
  for (const dir of dirs) {
    const clean = dir.replace(/\/+$/, "") || "/";
    for (const f of files) {
      if (path.posix.dirname(f.path) !== clean || !f.path.endsWith(suffix)) continue;
      const name = path.posix.basename(f.path);
      if (!byName.has(name)) byName.set(name, f);
    }
  }
  return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, f]) => f);
}

/**
 * The directives chronyd reads, with confdir and include lines replaced by the lines of the files
 * they name, in place (as CNF_ReadFile does), for files in `included`. Lines naming files that were
 * not read stay as they are.
 */
export function expandIncludes(directives: readonly Directive[], included: readonly SnapshotFile[], depth = 0): Directive[] {
  const out: Directive[] = [];
  for (const d of directives) {
    const name = d.name.toLowerCase();
    const files =
      name === "include" ? filesOfInclude(d.args[0] ?? "", included) : name === "confdir" ? filesOfDirs(d.args, ".conf", included) : undefined;
    if (!files || files.length === 0 || depth > 8) {
      out.push(d);
      continue;
    }
    for (const f of files)
      out.push(
        ...expandIncludes(
          parseConfText(f.text, f.path).map((l) => l.directive),
          included,
          depth + 1,
        ),
      );
  }
  return out;
}
