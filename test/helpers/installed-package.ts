import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
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
export interface InstalledPackage extends UserProject {
  /** The `npm pack` tarball. */
  readonly tarball: string;
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
  const packed = packPackage();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-chrony-user-"));
  const remove = () => {
    packed.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify({ name: "cdktf-chrony-user", private: true }, null, 2)}\n`);
    npm(dir, ["install", "--no-audit", "--no-fund", packed.tarball, ...(options.with ?? [])]);
    return { ...projectIn(dir, remove), tarball: packed.tarball };
  } catch (error) {
    remove();
    throw error;
  }
}

/** The package as `npm pack` makes it, in a staging folder of its own. */
export interface PackedPackage {
  readonly tarball: string;
  /** Remove the tarball and its staging folder. */
  remove(): void;
}

export function packPackage(): PackedPackage {
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-chrony-pack-"));
  const remove = () => fs.rmSync(staging, { recursive: true, force: true });
  try {
    return { tarball: pack(staging), remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** A project folder of a user: its files, and programs run in it. */
export interface UserProject {
  readonly dir: string;
  /** Write a file of the project (e.g. an app), relative to `dir`; returns its path. */
  writeFile(relative: string, content: string): string;
  /** Run a program in the project folder (`npx`, `node`, ...); never throws on a non-zero exit. */
  run(program: string, args: readonly string[], env?: NodeJS.ProcessEnv): CommandRun;
  /** Remove the project folder. */
  remove(): void;
}

export interface NewProjectOptions {
  /** The folder's name prefix under the system temp folder. */
  readonly prefix: string;
  /** Files to write before installing, relative to the folder: package.json names the packages. */
  readonly files: Readonly<Record<string, string>>;
}

/**
 * A new project under the system temp folder: its files written, then `npm install` (run
 * asynchronously, so that several projects can install at once).
 */
export async function newProject(options: NewProjectOptions): Promise<UserProject> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix));
  const project = projectIn(dir, () => fs.rmSync(dir, { recursive: true, force: true }));
  try {
    for (const [file, content] of Object.entries(options.files)) project.writeFile(file, content);
    await npmAsync(dir, ["install", "--no-audit", "--no-fund"]);
    return project;
  } catch (error) {
    project.remove();
    throw error;
  }
}

/**
 * A copy of a project folder in a new folder beside it under the system temp folder, as a CI
 * artifact carries a project to another job: without the folders named in `skip` at any depth.
 */
export function copyProject(from: string, prefix: string, skip: ReadonlySet<string>): UserProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.cpSync(from, dir, { recursive: true, filter: (source) => !skip.has(path.basename(source)) });
  return projectIn(dir, () => fs.rmSync(dir, { recursive: true, force: true }));
}

function projectIn(dir: string, remove: () => void): UserProject {
  return {
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

function npmAsync(cwd: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", [...args], { cwd, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGTERM"), 300_000);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`npm ${args.join(" ")} in ${cwd} exited ${code ?? signal}: ${output.trim().split("\n").slice(-10).join(" | ")}`));
    });
  });
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
