import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

// Never copied into the staging folder: build output, run state and local secrets.
const NOT_PACKAGE_INPUT = new Set(["node_modules", "dist", ".git", "cdktf.out", ".sandbox", ".chrony-keys", ".gen", "docs", "coverage"]);

export interface CommandRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** cdktf-chrony installed from its tarball in a new folder outside the repository, as a user would. */
export interface InstalledPackage {
  /** The `npm pack` tarball. */
  readonly tarball: string;
  /** The project folder: node_modules/cdktf-chrony and the packages installed beside it. */
  readonly dir: string;
  /** Write a file of the project (e.g. an app), relative to `dir`; returns its path. */
  writeFile(relative: string, content: string): string;
  /** Run a program in the project folder (`npx`, `node`, ...); never throws on a non-zero exit. */
  run(program: string, args: readonly string[], env?: NodeJS.ProcessEnv): CommandRun;
  /** Remove the tarball and the project folder. */
  remove(): void;
}

export interface InstallOptions {
  /** Installed from the npm registry next to the tarball, e.g. `cdktf@0.21.0`. @default [] */
  readonly with?: readonly string[];
}

/**
 * `npm pack` of the working tree, then `npm install` of the tarball into an empty folder under the
 * system temp folder. The pack runs in a copy of the sources, so its `prepack` build never touches
 * the repository's dist/ while other tests use it.
 */
export function installPackedPackage(options: InstallOptions = {}): InstalledPackage {
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-chrony-pack-"));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-chrony-user-"));
  const remove = () => {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const tarball = pack(staging);
    fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify({ name: "cdktf-chrony-user", private: true }, null, 2)}\n`);
    npm(dir, ["install", "--no-audit", "--no-fund", tarball, ...(options.with ?? [])]);
    return {
      tarball,
      dir,
      writeFile(relative, content) {
        const file = path.join(dir, relative);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, content);
        return file;
      },
      run(program, args, env = {}) {
        const r = spawnSync(program, [...args], { cwd: dir, encoding: "utf8", env: { ...cleanEnv(), ...env }, timeout: 300_000 });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
      },
      remove,
    };
  } catch (error) {
    remove();
    throw error;
  }
}

/** Copies the package's sources to `staging`, packs them there and returns the tarball's path. */
function pack(staging: string): string {
  const source = path.join(staging, "source");
  fs.cpSync(ROOT, source, { recursive: true, filter: (from) => !NOT_PACKAGE_INPUT.has(path.relative(ROOT, from).split(path.sep)[0]) });
  // The build (tsc) and its type packages come from the repository's own install.
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(source, "node_modules"), "dir");
  const run = npm(source, ["pack", "--json", "--pack-destination", staging]);
  const [{ filename }] = JSON.parse(run.stdout.slice(run.stdout.indexOf("["))) as Array<{ filename: string }>;
  return path.join(staging, filename);
}

function npm(cwd: string, args: readonly string[]): SpawnSyncReturns<string> {
  const r = spawnSync("npm", [...args], { cwd, encoding: "utf8", env: cleanEnv(), timeout: 300_000 });
  if (r.status !== 0) {
    throw new Error(
      `npm ${args.join(" ")} in ${cwd} exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split("\n").slice(-10).join(" | ")}`,
    );
  }
  return r;
}

// When the tests run under `npm test`, npm's own variables (npm_config_*, npm_package_*) would make
// the inner npm act on this repository's settings instead of the user's folder.
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
}
