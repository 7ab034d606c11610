import type { SourceReport } from "../cmdmon";
import { ExpectedSource } from "../manifest";

/**
 * The live source that stands for an expected one: same mode (a peer is not a server), then by
 * configured name, else by address.
 */
export function findSource(live: readonly SourceReport[], expected: ExpectedSource): SourceReport | undefined {
  const name = expected.name.toLowerCase();
  const mode = expected.kind === "peer" ? "peer" : "server";
  const candidates = live.filter((s) => s.mode === mode);
  return candidates.find((s) => (s.name ?? s.address).toLowerCase() === name) ?? candidates.find((s) => s.address.toLowerCase() === name);
}

/** Live NTP sources the manifest does not name (added at runtime, or from a foreign file). */
export function extraSources(live: readonly SourceReport[], expected: readonly ExpectedSource[]): SourceReport[] {
  return live.filter(
    (s) => s.mode !== "refclock" && !expected.some((e) => [s.name, s.address].some((n) => n?.toLowerCase() === e.name.toLowerCase())),
  );
}
