import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";
import { keyStorePath } from "../keys/key-store";
import { sha256Hex } from "../sha256";
import { FleetKey } from "./import-fleet";

/** The key store folder the generated code's KeySource.keyStore() reads (relative to the project). */
export const KEY_STORE_DIR = ".chrony-keys";

export interface ProjectFiles {
  /** main.ts's text. */
  readonly mainTs: string;
  readonly keys: readonly FleetKey[];
  /** The cdktf-chrony version the app depends on. */
  readonly libraryVersion: string;
  /** Host names, for a stable projectId. */
  readonly hostNames: readonly string[];
}

export interface WrittenProject {
  /** Files written, relative to the folder. */
  readonly written: readonly string[];
  /** Files left as they were (the folder already had them). */
  readonly kept: readonly string[];
  /** Key IDs now in the key store. */
  readonly storedKeys: readonly number[];
}

function keyLine(k: FleetKey): string {
  return `${k.id} ${k.type} ${k.material}\n`;
}

/**
 * Writes the app into `dir`: main.ts (refused when one exists, unless `force`), cdktf.json,
 * package.json and tsconfig.json when missing, `.chrony-keys/` in .gitignore, and each key to the
 * key store (files 0600 in a 0700 folder; an existing key file with other material stops the
 * import before anything is written, since it belongs to another key).
 */
export function writeProject(dir: string, files: ProjectFiles, options: { readonly force?: boolean } = {}): WrittenProject {
  const store = path.join(dir, KEY_STORE_DIR);
  for (const k of files.keys) {
    const file = keyStorePath(store, k.id);
    if (fs.existsSync(file) && fs.readFileSync(file, "utf8") !== keyLine(k)) {
      throw new UserError(
        `${file} holds another key with ID ${k.id}: import into a new folder, or move that file away if it is not in use (the imported key must keep its ID)`,
      );
    }
  }
  const main = path.join(dir, "main.ts");
  if (fs.existsSync(main) && !options.force) {
    throw new UserError(`${main} exists: import into a new folder with --out DIR, or pass --force to replace main.ts`);
  }

  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const kept: string[] = [];
  fs.writeFileSync(main, files.mainTs);
  written.push("main.ts");
  const projectId = sha256Hex(files.hostNames.join("\0")).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, "$1-$2-$3-$4-$5");
  const defaults: Record<string, unknown> = {
    "cdktf.json": {
      language: "typescript",
      app: "npx ts-node main.ts",
      output: "cdktf.out",
      projectId,
      sendCrashReports: "false",
      terraformProviders: [],
      terraformModules: [],
      context: {},
    },
    "package.json": {
      name: "chrony-fleet",
      version: "0.1.0",
      private: true,
      scripts: { synth: "cdktf synth", deploy: "cdktf deploy", drift: "cdktf-chrony drift" },
      dependencies: { cdktf: "^0.21.0", "cdktf-chrony": `^${files.libraryVersion}`, constructs: "^10.4.2" },
      devDependencies: { "@types/node": "^20.19.0", "cdktf-cli": "^0.21.0", "ts-node": "^10.9.2", typescript: "~5.9.0" },
    },
    "tsconfig.json": {
      compilerOptions: {
        target: "ES2022",
        module: "node16",
        moduleResolution: "node16",
        lib: ["ES2022"],
        types: ["node"],
        strict: true,
        esModuleInterop: true,
        skipLibCheck: true,
        outDir: "dist",
      },
      include: ["main.ts"],
    },
  };
  for (const [name, content] of Object.entries(defaults)) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) {
      kept.push(name);
      continue;
    }
    fs.writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
    written.push(name);
  }
  // The key store must never reach git: make sure .gitignore says so.
  const gitignore = path.join(dir, ".gitignore");
  const ignored = fs.existsSync(gitignore) ? fs.readFileSync(gitignore, "utf8") : "";
  const wanted = [`${KEY_STORE_DIR}/`, "cdktf.out/", "node_modules/", "dist/", "terraform.*.tfstate*"].filter(
    (l) => !ignored.split(/\r?\n/).includes(l),
  );
  if (wanted.length > 0) {
    fs.writeFileSync(gitignore, `${ignored}${ignored === "" || ignored.endsWith("\n") ? "" : "\n"}${wanted.join("\n")}\n`);
    written.push(".gitignore");
  }

  if (files.keys.length > 0) {
    fs.mkdirSync(store, { recursive: true, mode: 0o700 });
    fs.chmodSync(store, 0o700);
  }
  for (const k of files.keys) {
    const file = keyStorePath(store, k.id);
    if (!fs.existsSync(file)) fs.writeFileSync(file, keyLine(k), { mode: 0o600, flag: "wx" });
    fs.chmodSync(file, 0o600);
  }
  return { written, kept, storedKeys: files.keys.map((k) => k.id) };
}
