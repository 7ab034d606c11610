// Lint: the recommended JavaScript and TypeScript rules, no import cycles, and the architecture of
// DESIGN.md ("Layout") as import rules, so a wrong dependency fails `npm run lint` rather than review.
import js from "@eslint/js";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

// cdktf (or its fork cdktn) and constructs are reached through one module, so that switching
// between them is a one-line change.
const CDK_PACKAGES = ["cdktf", "cdktn", "constructs"];
const CDK_ENTRY = "constructs/cdk.ts";

export default tseslint.config(
  {
    ignores: ["dist/", "node_modules/", "cdktf.out/", "docs/", ".sandbox/", ".chrony-keys/", ".gen/", "coverage/"],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.mts", "**/*.mjs"],
    plugins: { "import-x": importX },
    settings: {
      // Without these, import-x skips .ts files when it follows imports, and sees no cycle at all.
      "import-x/extensions": [".ts", ".mts", ".js", ".mjs"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts", ".mts"] },
      // Sources import each other without an extension ("./args") or, for lazy imports, with the
      // emitted ".js" name ("./commands/keygen.js").
      "import-x/resolver-next": [
        createNodeResolver({ extensions: [".ts", ".mts", ".js", ".mjs", ".json", ".node"], extensionAlias: { ".js": [".ts", ".js"] } }),
      ],
    },
    rules: {
      // Only value imports count: `import type` is erased at compile time, so a type-only loop is no
      // load-order hazard (import-x skips such imports; this is the rule's own behaviour, kept on purpose).
      "import-x/no-cycle": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    // The shipped library: only constructs/cdk.ts names the cdk packages.
    files: ["lib/**/*.ts", "constructs/**/*.ts"],
    ignores: [CDK_ENTRY],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: CDK_PACKAGES.map((name) => ({ name, message: `import it through ${CDK_ENTRY}, the one module that names the cdk packages` })),
          patterns: [
            {
              group: CDK_PACKAGES.map((name) => `${name}/*`),
              message: `import from the package root, through ${CDK_ENTRY}`,
            },
          ],
        },
      ],
    },
  },
  {
    files: ["lib/**/*.ts"],
    rules: {
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            {
              target: "./lib",
              from: ["./constructs", "./test", "./bench", "./examples"],
              message: "lib/ is the engine: it never depends on the constructs, tests, benchmarks or examples",
            },
            {
              // The command-protocol client is published on its own (`cdktf-chrony/cmdmon`).
              target: "./lib/cmdmon",
              from: "./lib",
              except: ["./cmdmon", "./errors.ts"],
              message: "lib/cmdmon stands alone: it may import only lib/errors.ts from the rest of lib/",
            },
          ],
        },
      ],
    },
  },
);
