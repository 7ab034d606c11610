import { ConfigError } from "./config-error";
import { Directive, tokenProblem } from "./directive";
import { DIRECTIVES } from "./directive-grammar";
import { ChronyVersion, NEWEST_MODELLED_VERSION, compareVersions, isAtLeast, parseChronyVersion } from "./version";

/**
 * Checks one directive against chrony's grammar for the host's version. Throws ConfigError naming
 * the line, what is wrong, and the fix (the release that added a directive). A directive chronyd
 * still reads but ignores (commandkey, ntscachedir...) is accepted: the return value is the
 * warning that names its modern replacement; undefined for every other valid line.
 */
export function validateDirective(d: Directive, version: ChronyVersion, where = ""): string | undefined {
  // A fleet repeats the same lines on thousands of hosts: check each distinct line once per version.
  const key = `${version.text}\0${d.name}\0${d.args.join("\0")}`;
  const known = VALID.get(key);
  if (known !== undefined) return known === "" ? undefined : known;
  const warning = check(d, version, where);
  if (VALID.size > 100_000) VALID.clear();
  VALID.set(key, warning ?? "");
  return warning;
}

/** Lines already found valid, with their warning ("" for none). */
const VALID = new Map<string, string>();

function check(d: Directive, version: ChronyVersion, where: string): string | undefined {
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
  const newer = compareVersions(version, parseChronyVersion(NEWEST_MODELLED_VERSION)) > 0;
  const unchecked = `'${line}'${at} is not in cdktf-chrony's grammar, which models chrony up to ${NEWEST_MODELLED_VERSION}: it is passed through unchecked (chronyd -p checks it on the host at apply)`;
  if (!spec && newer) return unchecked;
  if (!spec) {
    throw new ConfigError(
      `unknown directive '${d.name}' in '${line}'${at}: chronyd ${version.text} refuses to start on it; check the spelling against chrony.conf(5)`,
    );
  }
  if (!isAtLeast(version, spec.since)) {
    throw new ConfigError(
      `'${d.name}' needs chrony ${spec.since} or newer, but this host runs ${version.text}${at}: upgrade chrony or remove '${line}'`,
    );
  }
  const problem = spec.check(d.args, version);
  if (problem && newer && /(^|: )unknown option/.test(problem)) return unchecked;
  if (problem) throw new ConfigError(`invalid '${line}'${at}: ${d.name} ${problem}`);
  if (spec.obsolete && isAtLeast(version, spec.obsolete.in)) {
    return `'${line}'${at} is obsolete in chrony ${version.text}: ${spec.obsolete.instead}`;
  }
  return undefined;
}
