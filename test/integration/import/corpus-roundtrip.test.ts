import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readOutdir } from "../../../lib/deploy/outdir";
import { ImportResult, runImport } from "../../../lib/import/run-import";
import { Directive, parseDirectiveLine } from "../../../lib/model/directive";
import { effectiveConfig, effectiveDifference } from "../../../lib/model/effective-config";
import { ROOT } from "../../helpers/cdktf";

// The import promise on a corpus of real configurations (see each fixture's first lines for its
// source): import → the generated app compiles (tsc) → synth → `chronyd -p` of the synthesized
// files lists the same directives and options as `chronyd -p` of the original (compared in
// effectiveConfig's canonical form: option order and number format normalised, lines chronyd
// reads once counted once), with no rawDirectives except for lines chronyd 4.3 reads but ignores.

const CORPUS = path.join(__dirname, "../../fixtures/corpus");
const fixtures = fs
  .readdirSync(CORPUS)
  .filter((f) => f.endsWith(".conf"))
  .sort();
const work = fs.mkdtempSync(path.join(os.tmpdir(), "import-corpus-"));
const results = new Map<string, ImportResult>();
let compile: { status: number | null; output: string };

function chronydP(file: string): Directive[] {
  const r = spawnSync("/usr/sbin/chronyd", ["-p", "-f", file], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`chronyd -p -f ${file} failed: ${r.stderr}`);
  return r.stdout.split("\n").flatMap((l) => parseDirectiveLine(l) ?? []);
}

const appDir = (fixture: string) => path.join(work, "apps", fixture.replace(/\.conf$/, ""));

beforeAll(async () => {
  for (const f of fixtures) results.set(f, await runImport({ files: [path.join(CORPUS, f)], outDir: appDir(f) }));
  // Keyed sources without their keys (no --keys): the app must still compile, naming what to provide.
  for (const f of ["authenticated-client.conf", "peers.conf"]) {
    results.set(`extra-${f}`, await runImport({ files: [path.join(__dirname, "../../fixtures/conf", f)], outDir: appDir(`extra-${f}`) }));
  }
  // The generated apps depend on cdktf, constructs and cdktf-chrony: this checkout stands in for npm.
  fs.mkdirSync(path.join(work, "node_modules", "@types"), { recursive: true });
  fs.symlinkSync(ROOT, path.join(work, "node_modules", "cdktf-chrony"));
  for (const dep of ["cdktf", "constructs", "@types/node"])
    fs.symlinkSync(path.join(ROOT, "node_modules", dep), path.join(work, "node_modules", dep));
  // One tsc run over every app, with the compiler options the import wrote for them.
  const generated = JSON.parse(fs.readFileSync(path.join(appDir(fixtures[0]), "tsconfig.json"), "utf8"));
  fs.writeFileSync(
    path.join(work, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { ...generated.compilerOptions, rootDir: ".", outDir: "dist" }, include: ["apps/*/main.ts"] }),
  );
  const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", work], { encoding: "utf8" });
  compile = { status: tsc.status, output: tsc.stdout + tsc.stderr };
  if (tsc.status !== 0) return;
  for (const f of fixtures) {
    const dir = appDir(f);
    const synth = spawnSync(process.execPath, [path.join(work, "dist", "apps", path.basename(dir), "main.js")], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, CDKTF_OUTDIR: path.join(dir, "cdktf.out"), CDKTF_CHRONY_PROJECT_DIR: dir },
    });
    if (synth.status !== 0) throw new Error(`synth of ${f} failed: ${synth.stderr}`);
  }
}, 300_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("import round-trips a corpus of real chrony configurations", () => {
  it("has at least 15 configurations, each naming its source", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(15);
    for (const f of fixtures) expect(fs.readFileSync(path.join(CORPUS, f), "utf8"), f).toMatch(/^# Source: /);
  });

  it("writes apps that compile with tsc", () => {
    expect(compile.output).toBe("");
    expect(compile.status).toBe(0);
  });

  it.each(fixtures)("%s: chronyd -p of the synthesized files equals chronyd -p of the original, without raw 4.3 directives", (fixture) => {
    const result = results.get(fixture)!;
    expect(result.reports.filter((r) => r.report.level === "error")).toEqual([]);
    const host = result.fleet.hosts[0];
    // Only lines chronyd 4.3 reads and ignores may stay raw; every other 4.3 line is typed.
    expect(host.raw.filter((r) => !r.why.startsWith("obsolete in chrony"))).toEqual([]);

    const [{ manifest }] = readOutdir(path.join(appDir(fixture), "cdktf.out"));
    const conf = path.join(appDir(fixture), "rendered-chrony.conf");
    fs.writeFileSync(conf, manifest.files.find((f) => f.role === "conf")!.content);
    const sources = manifest.files.find((f) => f.role === "sources")?.content ?? "";
    const sourceLines = sources.split("\n").flatMap((l) => parseDirectiveLine(l) ?? []);
    const original = effectiveConfig(chronydP(path.join(CORPUS, fixture)));
    const synthesized = effectiveConfig(chronydP(conf), sourceLines);
    expect(effectiveDifference(original, synthesized)).toEqual({ onlyFirst: [], onlySecond: [] });
    expect(original.length).toBeGreaterThan(0);
  });

  it("writes an app that compiles for keyed sources whose keys were not imported, and says which keys to put in the key store", () => {
    const result = results.get("extra-authenticated-client.conf")!;
    expect(result.incomplete).toBe(true);
    expect(result.reports.map((r) => r.report.message)).toContainEqual(expect.stringContaining("uses key 10, which is in no imported chrony.keys"));
    const main = fs.readFileSync(path.join(appDir("extra-authenticated-client.conf"), "main.ts"), "utf8");
    expect(main).toContain("// Key 10 was in no imported chrony.keys: put the host's key in .chrony-keys/key-10.line");
    expect(compile.status).toBe(0);
  });

  it("keeps lines chronyd 4.3 reads but ignores as rawDirectives, each with the reason in a comment", () => {
    const raw = fixtures.flatMap((f) => results.get(f)!.fleet.hosts[0].raw.map((r) => ({ f, line: r.line })));
    expect(raw).toEqual([
      { f: "chrony-2.1-example2.conf", line: "commandkey 1" },
      { f: "chrony-2.1-example2.conf", line: "generatecommandkey" },
    ]);
    const main = fs.readFileSync(path.join(appDir("chrony-2.1-example2.conf"), "main.ts"), "utf8");
    expect(main).toContain("  rawDirectives: [\n    // ");
    expect(main).toMatch(
      /\/\/ \S+chrony-2\.1-example2\.conf:\d+: obsolete in chrony 4\.3: command authentication was removed in chrony 2\.2[^\n]*\n {4}"commandkey 1",/,
    );
  });
});
