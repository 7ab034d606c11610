import * as v from "valibot";
import { hasControlCharacters } from "../model/directive";

/** A path the controller reads: absolute, `~/`-based, or relative to the project folder. */
export const controllerPathSchema = v.pipe(
  v.string(),
  v.check((p) => p !== "" && !hasControlCharacters(p), "a path without control characters"),
);
export const envVariableSchema = v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name"));

/**
 * Where a key's material comes from. Only this description reaches synth output and state; the
 * material is read at synth time (for the keyed fingerprint) and at apply time (to write the keys
 * file on the host), and never written anywhere else.
 */
export const keySourceSchema = v.variant("kind", [
  /** An environment variable holding `HEX:...`, `ASCII:...` or bare text. */
  v.object({ kind: v.literal("env"), variable: envVariableSchema }),
  /** A file holding the material in the same notation (whitespace around it is ignored). */
  v.object({ kind: v.literal("file"), path: controllerPathSchema }),
  /** A local key store folder: the key is generated on first use and kept there (files 0600). */
  v.object({ kind: v.literal("keyStore"), dir: controllerPathSchema }),
  /** A command whose standard output is the material, e.g. a secret manager's CLI. */
  v.object({ kind: v.literal("command"), argv: v.pipe(v.array(v.string()), v.minLength(1, "a command with at least the program name")) }),
]);
export type KeySourceSpec = v.InferOutput<typeof keySourceSchema>;

/** One line for tables and error messages; never includes material. */
export function describeKeySource(source: KeySourceSpec): string {
  switch (source.kind) {
    case "env":
      return `env ${source.variable}`;
    case "file":
      return `file ${source.path}`;
    case "keyStore":
      return `key store ${source.dir}`;
    case "command":
      return `command ${source.argv[0]}`;
  }
}
