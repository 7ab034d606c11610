import type { FleetSummary, HostStatus } from "../../deploy/fleet-status";
import { formatTable } from "./table";

/** An offset as people read it: "12 µs slow", "3.4 ms fast" (positive: the clock is behind NTP time, as chronyc says "slow"). */
export function formatOffset(seconds: number): string {
  const a = Math.abs(seconds);
  const size = a < 1e-3 ? `${(a * 1e6).toFixed(0)} µs` : a < 1 ? `${(a * 1e3).toFixed(1)} ms` : `${a.toFixed(3)} s`;
  return a === 0 ? "0" : `${size} ${seconds > 0 ? "slow" : "fast"}`;
}

const HEADER = ["HOST", "SYNCHRONISED TO", "STRATUM", "OFFSET", "WORST SOURCE", "VIA"];

function row(s: HostStatus): string[] {
  if (s.result === "error") return [s.host, "no answer", "-", "-", s.error ?? "", `${s.via} ${s.address}`];
  const t = s.tracking!;
  const sync = t.leapStatus === "unsynchronised" ? "unsynchronised" : s.localReference ? "its local clock" : (t.refName ?? t.refId);
  const worst = s.worstSource ? `${s.worstSource.source.name ?? s.worstSource.source.address}: ${s.worstSource.why}` : "no sources";
  return [s.host, sync, String(t.stratum), formatOffset(t.systemTimeOffset), worst, s.via];
}

export function summaryLine(sum: FleetSummary): string {
  const parts = [`${sum.synchronised} synchronised`];
  if (sum.localReference > 0) parts.push(`${sum.localReference} serving their local clock`);
  parts.push(`${sum.unsynchronised} unsynchronised`, `${sum.notAnswering} not answering`);
  const worst = sum.worstOffset ? `; largest offset ${formatOffset(sum.worstOffset.seconds)} (${sum.worstOffset.host})` : "";
  return `${sum.hosts} host(s): ${parts.join(", ")}${worst}`;
}

/** One line per host, worst first (the caller sorts), then the summary line. */
export function formatFleetStatus(statuses: readonly HostStatus[], summary: FleetSummary, format: "text" | "markdown"): string {
  const rows = statuses.map(row);
  if (format === "text") return `${formatTable(HEADER, rows)}\n${summaryLine(summary)}\n`;
  const cell = (c: string) => c.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\n/g, " ");
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(HEADER), `|${HEADER.map(() => "---").join("|")}|`, ...rows.map(line), "", `**${summaryLine(summary)}**`, ""].join("\n");
}
