import { ArgsCheck } from "./arg-checks";
import { SOURCE_OPTIONS, SourceKind } from "./source-options";
import { hostOrAddress, isProblem } from "./tokens";
import { isAtLeast } from "./version";

/** Checks `server|pool|peer HOST [option [value]]...` against the options the host's version has. */
export function sourceCheck(kind: SourceKind): ArgsCheck {
  return (args, version) => {
    if (args.length === 0) return `needs the ${kind === "pool" ? "pool name" : "server address"}`;
    const host = hostOrAddress(args[0]);
    if (isProblem(host)) return `address must be ${host.expected}, got '${args[0]}'`;
    const seen = new Set<string>();
    for (let i = 1; i < args.length; i++) {
      const word = args[i].toLowerCase();
      const spec = SOURCE_OPTIONS.get(word);
      if (!spec) return `unknown option '${args[i]}'`;
      if (!isAtLeast(version, spec.since)) {
        return `option ${spec.name} needs chrony ${spec.since} or newer (this host runs ${version.text})`;
      }
      if (spec.notFor?.includes(kind)) return `option ${spec.name} is not valid for ${kind}: ${spec.notForReason}`;
      if (seen.has(word) && word !== "extfield") return `option ${spec.name} is given twice`;
      seen.add(word);
      if (spec.value) {
        const value = args[i + 1];
        if (value === undefined) return `option ${spec.name} needs a value`;
        const result = spec.value(value);
        if (isProblem(result)) return `option ${spec.name} must be ${result.expected}, got '${value}'`;
        i++;
      }
    }
    return undefined;
  };
}
