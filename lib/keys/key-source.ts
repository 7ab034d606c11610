/**
 * Where a key's material comes from. Only this description reaches synth output and state; the
 * material is read at synth time (for the keyed fingerprint) and at apply time (to write the keys
 * file on the host), and never written anywhere else.
 */
export type KeySourceSpec =
  /** An environment variable holding `HEX:...`, `ASCII:...` or bare text. */
  | { readonly kind: "env"; readonly variable: string }
  /** A file holding the material in the same notation (whitespace around it is ignored). */
  | { readonly kind: "file"; readonly path: string }
  /** A local key store folder: the key is generated on first use and kept there (files 0600). */
  | { readonly kind: "keyStore"; readonly dir: string }
  /** A command whose standard output is the material, e.g. a secret manager's CLI. */
  | { readonly kind: "command"; readonly argv: readonly string[] };

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
