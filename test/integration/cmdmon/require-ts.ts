import { readFileSync } from "node:fs";
import ts from "typescript";

// lib/cli/main.ts loads its commands with a plain `require("./commands/status")` (lazy, for startup
// time). Under vitest that is Node's own require, which cannot load .ts files; this hook compiles
// them to CommonJS on the fly, as tsc would, so main() can be tested from source.
export function allowRequireOfTypeScript(): void {
  const extensions = require.extensions as NodeJS.RequireExtensions;
  if (extensions[".ts"]) return;
  extensions[".ts"] = (module, filename) => {
    const output = ts.transpileModule(readFileSync(filename, "utf8"), {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    (module as unknown as { _compile(code: string, file: string): void })._compile(output.outputText, filename);
  };
}
