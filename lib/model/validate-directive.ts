import { ConfigError } from "./config-error";
import { Directive, tokenProblem } from "./directive";
import { DIRECTIVES } from "./directive-grammar";
import { ChronyVersion, isAtLeast } from "./version";

/**
 * Checks one directive against chrony's grammar for the host's version. Throws ConfigError naming
 * the line, what is wrong, and the fix (the release that added a directive, the modern
 * replacement of a removed one).
 */
export function validateDirective(d: Directive, version: ChronyVersion, where = ""): void {
  // A fleet repeats the same lines on thousands of hosts: check each distinct line once per version.
  const key = `${version.text}\0${d.name}\0${d.args.join("\0")}`;
  if (VALID.has(key)) return;
  check(d, version, where);
  if (VALID.size > 100_000) VALID.clear();
  VALID.add(key);
}

const VALID = new Set<string>();

function check(d: Directive, version: ChronyVersion, where: string): void {
  const name = d.name.toLowerCase();
  const spec = DIRECTIVES.get(name);
  const at = where ? ` (${where})` : "";
  // Checked before anything is quoted back: the line must be printable as one line.
  for (const [i, token] of [d.name, ...d.args].entries()) {
    const problem = tokenProblem(token);
    if (problem) {
      const what = i === 0 ? "the directive name" : `argument ${i}`;
      throw new ConfigError(
        `invalid ${JSON.stringify([d.name, ...d.args].join(" "))}${at}: ${what} ${problem}; each value must be one token without whitespace or control characters`,
      );
    }
  }
  const line = [d.name, ...d.args].join(" ");
  if (!spec) {
    throw new ConfigError(
      `unknown directive '${d.name}' in '${line}'${at}: chronyd ${version.text} refuses to start on it; check the spelling against chrony.conf(5)`,
    );
  }
  if (spec.removed && isAtLeast(version, spec.removed.in)) {
    throw new ConfigError(`'${d.name}' is not supported by chrony ${version.text}${at}: ${spec.removed.instead}`);
  }
  if (!isAtLeast(version, spec.since)) {
    throw new ConfigError(
      `'${d.name}' needs chrony ${spec.since} or newer, but this host runs ${version.text}${at}: upgrade chrony or remove '${line}'`,
    );
  }
  const problem = spec.check(d.args, version);
  if (problem) throw new ConfigError(`invalid '${line}'${at}: ${d.name} ${problem}`);
}
