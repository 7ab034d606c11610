import * as fs from "node:fs";
import * as path from "node:path";

/**
 * This package's version, read once from its package.json: lib/ is two folders below it when run
 * from the sources (tests) and three from dist/lib (the built CLI and library).
 */
export function packageVersion(): string {
  cached ??= readVersion();
  return cached;
}

let cached: string | undefined;

function readVersion(): string {
  for (const up of ["..", "../.."]) {
    const file = path.join(__dirname, up, "package.json");
    try {
      const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "cdktf-chrony" && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return "unknown";
}
