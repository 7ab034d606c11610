import { TokenCheck, isProblem } from "./tokens";
import { ChronyVersion, isAtLeast } from "./version";

/**
 * Checks of a directive's argument list. Each returns undefined when the arguments are valid, or a
 * short description of the problem (the caller names the directive and quotes the line).
 */
export type ArgsCheck = (args: readonly string[], version: ChronyVersion) => string | undefined;

export function noArgs(): ArgsCheck {
  return (args) => (args.length === 0 ? undefined : `takes no arguments (got ${args.length})`);
}

/** Exactly these positional arguments. */
export function positional(...checks: ReadonlyArray<readonly [label: string, check: TokenCheck<unknown>]>): ArgsCheck {
  return (args) => {
    if (args.length !== checks.length) {
      const labels = checks.map(([label]) => label).join(" ");
      return `takes ${checks.length} argument${checks.length === 1 ? "" : "s"} (${labels}), got ${args.length}`;
    }
    for (let i = 0; i < checks.length; i++) {
      const [label, check] = checks[i];
      const result = check(args[i]);
      if (isProblem(result)) return `${label} must be ${result.expected}, got '${args[i]}'`;
    }
    return undefined;
  };
}

/** One of several argument shapes, e.g. `ntstrustedcerts [SET] PATH`. */
export function eitherOf(...alternatives: ArgsCheck[]): ArgsCheck {
  return (args, version) => {
    const problems = alternatives.map((check) => check(args, version));
    if (problems.some((p) => p === undefined)) return undefined;
    // The alternative with the matching argument count explains best.
    return problems.find((p) => !p!.startsWith("takes ")) ?? problems[0];
  };
}

export interface OptionSpec {
  /** Absent for a flag. */
  readonly value?: TokenCheck<unknown>;
  readonly since?: string;
}

/**
 * `WORD [VALUE] WORD [VALUE] ...` as used by local, ratelimit, hwtimestamp and refclock, after
 * `leading` fixed positional arguments.
 */
export function withOptions(
  leading: ReadonlyArray<readonly [label: string, check: TokenCheck<unknown>]>,
  options: Readonly<Record<string, OptionSpec>>,
): ArgsCheck {
  return (args, version) => {
    if (args.length < leading.length) {
      return `needs ${leading.map(([label]) => label).join(" ")} first`;
    }
    for (let i = 0; i < leading.length; i++) {
      const [label, check] = leading[i];
      const result = check(args[i]);
      if (isProblem(result)) return `${label} must be ${result.expected}, got '${args[i]}'`;
    }
    for (let i = leading.length; i < args.length; i++) {
      const word = args[i];
      const spec = Object.prototype.hasOwnProperty.call(options, word.toLowerCase()) ? options[word.toLowerCase()] : undefined;
      if (!spec) return `unknown option '${word}' (valid: ${Object.keys(options).join(", ")})`;
      if (spec.since && !isAtLeast(version, spec.since)) {
        return `option ${word} needs chrony ${spec.since} or newer (this host runs ${version.text})`;
      }
      if (spec.value) {
        const value = args[i + 1];
        if (value === undefined) return `option ${word} needs a value`;
        const result = spec.value(value);
        if (isProblem(result)) return `option ${word} must be ${result.expected}, got '${value}'`;
        i++;
      }
    }
    return undefined;
  };
}

/** Any number (≥ min) of words, each checked. */
export function listOf(label: string, check: TokenCheck<unknown>, min = 1, max = Infinity): ArgsCheck {
  return (args) => {
    if (args.length < min) return `needs at least ${min} ${label}`;
    if (args.length > max) return `takes at most ${max} ${label}, got ${args.length}`;
    for (const arg of args) {
      const result = check(arg);
      if (isProblem(result)) return `each ${label} must be ${result.expected}, got '${arg}'`;
    }
    return undefined;
  };
}
