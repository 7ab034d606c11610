import type { HostVerification } from "../deploy/verify";
import { JUnitCase, junitXml, suitesByStack } from "./junit";
import { count, mdCode, mdTable, mdText } from "./markdown";

/** `verify --format markdown`: one line when every host verifies; otherwise the failed and unreachable hosts with their problems. */
export function verifyMarkdown(results: readonly HostVerification[]): string {
  const failed = results.filter((r) => r.result === "failed");
  const errors = results.filter((r) => r.result === "error");
  const verified = results.length - failed.length - errors.length;
  if (failed.length === 0 && errors.length === 0) {
    return `**cdktf-chrony verify**: ${count(verified, "host")} verified: sources reachable, keyed sources authenticated.\n`;
  }
  const heading = [failed.length && `${failed.length} failed`, errors.length && `${errors.length} not checked`, `${verified} verified`]
    .filter(Boolean)
    .join(", ");
  const rows = [...failed, ...errors].map((r) => [
    mdCode(r.host),
    mdText(r.stack),
    r.result === "failed" ? "failed" : "**not checked**",
    r.problems.map(mdText).join("<br>") || "-",
  ]);
  return `### cdktf-chrony verify: ${heading}\n\n${mdTable(["host", "stack", "result", "problems"], rows)}`;
}

function verifyCase(r: HostVerification): JUnitCase {
  const ok = r.sources.filter((s) => s.ok).length;
  const base = {
    classname: r.stack,
    name: r.host,
    seconds: r.seconds,
    output: `${r.host} at ${r.address}: ${r.result}, ${ok}/${r.sources.length} sources ok`,
  };
  const text = r.problems.join("\n");
  if (r.result === "error") return { ...base, error: { type: "unreachable", message: r.problems[0] ?? "not checked", text } };
  if (r.result === "verified") return base;
  return {
    ...base,
    failure: {
      type: "unverified",
      message: r.problems.length === 1 ? r.problems[0] : `${r.problems.length} problems; first: ${r.problems[0] ?? ""}`,
      text,
    },
  };
}

/** `verify --junit FILE`: a test case per host, a failure per host that did not verify, an error per unreachable one. */
export function verifyJUnit(results: readonly HostVerification[], timestamp?: Date): string {
  return junitXml("cdktf-chrony verify", suitesByStack("cdktf-chrony verify", results, verifyCase), timestamp);
}
