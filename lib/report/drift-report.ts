import type { HostDrift } from "../deploy/drift";
import { JUnitCase, junitXml, suitesByStack } from "./junit";
import { count, mdCode, mdTable, mdText } from "./markdown";

/**
 * `drift --format markdown`: one line when every host is clean; otherwise a heading with the counts
 * and a table of the drifted and unreachable hosts with what differs. Clean hosts are only counted.
 */
export function driftMarkdown(results: readonly HostDrift[]): string {
  const drifted = results.filter((r) => r.status === "drift");
  const errors = results.filter((r) => r.status === "error");
  const clean = results.length - drifted.length - errors.length;
  if (drifted.length === 0 && errors.length === 0) {
    return `**cdktf-chrony drift**: no drift, ${count(clean, "host")} as deployed.\n`;
  }
  const heading = [drifted.length && `${drifted.length} drifted`, errors.length && `${errors.length} not checked`, `${clean} clean`]
    .filter(Boolean)
    .join(", ");
  const rows = [...drifted, ...errors].map((r) => [
    mdCode(r.host),
    mdText(r.stack),
    r.status === "drift" ? "drift" : "**not checked**",
    r.status === "drift" ? r.differences.map((d) => mdText(d.detail)).join("<br>") : mdText(r.error ?? "unknown error"),
  ]);
  return `### cdktf-chrony drift: ${heading}\n\n${mdTable(["host", "stack", "status", "what differs"], rows)}`;
}

function driftCase(r: HostDrift): JUnitCase {
  const base = { classname: r.stack, name: r.host, seconds: r.seconds, output: `${r.host} at ${r.address}: ${r.status}` };
  if (r.status === "error") return { ...base, error: { type: "unreachable", message: r.error ?? "not checked", text: r.error ?? "" } };
  if (r.status === "clean") return base;
  const first = r.differences[0]?.detail ?? "";
  return {
    ...base,
    failure: {
      type: "drift",
      message: r.differences.length === 1 ? first : `${r.differences.length} differences; first: ${first}`,
      text: r.differences.map((d) => `${d.kind}: ${d.detail}`).join("\n"),
    },
  };
}

/** `drift --junit FILE`: a test case per host, a failure per drifted host saying what differs, an error per unreachable one. */
export function driftJUnit(results: readonly HostDrift[], timestamp?: Date): string {
  return junitXml("cdktf-chrony drift", suitesByStack("cdktf-chrony drift", results, driftCase), timestamp);
}
