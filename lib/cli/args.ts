import { UserError } from "../errors";

export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: Map<string, string | true>;
}

export interface ArgSpec {
  /** Flags without a value, e.g. `json`, `heal`. */
  readonly booleans?: readonly string[];
  /** Flags that take a value, e.g. `host`, `dir`. */
  readonly values?: readonly string[];
  readonly maxPositionals?: number;
  /** Used in error messages: "see `cdktf-chrony <command> --help`". */
  readonly command: string;
}

/** A small strict parser: unknown flags and missing values are user errors, not silent no-ops. */
export function parseArgs(args: readonly string[], spec: ArgSpec): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  const booleans = new Set(spec.booleans ?? []);
  const values = new Set(spec.values ?? []);
  const hint = `see 'cdktf-chrony ${spec.command} --help'`;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      if (booleans.has(name)) {
        if (eq >= 0) throw new UserError(`option --${name} takes no value (got '${arg}'): ${hint}`);
        flags.set(name, true);
      } else if (values.has(name)) {
        const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
        if (value === undefined || value === "") {
          throw new UserError(`option --${name} needs a value: ${hint}`);
        }
        flags.set(name, value);
      } else {
        throw new UserError(`unknown option '${arg}' for ${spec.command}: ${hint}`);
      }
      continue;
    }
    positionals.push(arg);
  }
  if (spec.maxPositionals !== undefined && positionals.length > spec.maxPositionals) {
    throw new UserError(
      `too many arguments for ${spec.command}: '${positionals.slice(spec.maxPositionals).join(" ")}': ${hint}`,
    );
  }
  return { positionals, flags };
}

export function wantsHelp(args: readonly string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}
