import { parseArgs as parseNodeArgs, type ParseArgsConfig } from "node:util";
import { UserError } from "../errors";

/** `flag`: an option without a value (`--json`); `value`: an option with one (`--host ID`, `--host=ID`). */
export type OptionKind = "flag" | "value";

export interface ArgSpec<O extends Record<string, OptionKind>> {
  /** The command as typed after `cdktf-chrony` (e.g. `sandbox up`), for the hint in messages. */
  readonly command: string;
  /** @default - no options */
  readonly options?: O;
  /** At most this many positional arguments. @default 0 */
  readonly maxPositionals?: number;
}

export type OptionValues<O extends Record<string, OptionKind>> = {
  readonly [K in keyof O]: O[K] extends "flag" ? boolean : string | undefined;
};

export interface ParsedArgs<O extends Record<string, OptionKind>> {
  readonly positionals: readonly string[];
  readonly options: OptionValues<O>;
}

/**
 * Strict parsing over node's `parseArgs`: an unknown option, a missing value, a value that looks
 * like an option (`--host --json`: say `--host=--json` if you mean it) and extra positionals are
 * user errors with one line saying which, never silently read as something else.
 */
export function parseArgs<O extends Record<string, OptionKind> = Record<never, OptionKind>>(
  args: readonly string[],
  spec: ArgSpec<O>,
): ParsedArgs<O> {
  const declared: Record<string, OptionKind> = spec.options ?? {};
  const hint = `see 'cdktf-chrony ${spec.command} --help'`;
  const config: ParseArgsConfig = {
    args: [...args],
    options: Object.fromEntries(Object.entries(declared).map(([name, kind]) => [name, { type: kind === "flag" ? "boolean" : "string" }])),
    allowPositionals: true,
  };
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseNodeArgs({ ...config, strict: true });
  } catch (error) {
    if (!isParseArgsError(error)) throw error;
    throw new UserError(`${describeMistake(config, declared, spec.command) ?? firstLine(error.message)}: ${hint}`);
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === "") throw new UserError(`option --${name} needs a value: ${hint}`);
  }
  const max = spec.maxPositionals ?? 0;
  if (parsed.positionals.length > max) {
    throw new UserError(`too many arguments for ${spec.command}: '${parsed.positionals.slice(max).join(" ")}': ${hint}`);
  }
  const options = Object.fromEntries(
    Object.entries(declared).map(([name, kind]) => [name, kind === "flag" ? parsed.values[name] === true : parsed.values[name]]),
  );
  return { positionals: parsed.positionals, options: options as OptionValues<O> };
}

/** True when `--help` or `-h` appears as an option anywhere (not after `--`, not as an option's `=value`). */
export function asksForHelp(args: readonly string[]): boolean {
  const { tokens } = parseNodeArgs({ args: [...args], strict: false, allowPositionals: true, tokens: true });
  return tokens.some((t) => t.kind === "option" && (t.name === "help" || t.name === "h"));
}

// Node's messages span lines and vary between releases; its tokens say exactly which argument is wrong.
function describeMistake(config: ParseArgsConfig, declared: Record<string, OptionKind>, command: string): string | undefined {
  const { tokens } = parseNodeArgs({ ...config, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const kind = Object.hasOwn(declared, token.name) ? declared[token.name] : undefined;
    if (kind === undefined) return `unknown option '${token.rawName}' for ${command}`;
    if (kind === "flag" && token.value !== undefined) return `option ${token.rawName} takes no value (got '${token.rawName}=${token.value}')`;
    if (kind === "value" && (token.value === undefined || (!token.inlineValue && token.value.startsWith("-")))) {
      return `option ${token.rawName} needs a value`;
    }
  }
  return undefined;
}

function isParseArgsError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | undefined)?.code;
  return error instanceof Error && typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

function firstLine(text: string): string {
  return text.split("\n")[0];
}
