import * as path from "node:path";
import { ApplyAction, chronydAction, clockEffect } from "../deploy/change-plan";
import type { FileChange, HostPlan } from "../deploy/plan";
import { count, mdCode, mdTable, mdText } from "./markdown";

/** How many changed lines of one file a report shows before "and N more". */
const LINES_SHOWN = 6;

type Group = ApplyAction | "fix" | "unchanged" | "blocked" | "error";

/** Most disruptive first, so the sentence leads with what a reviewer must look at. */
const GROUPS: ReadonlyArray<{ readonly group: Group; readonly one: string; readonly many: string }> = [
  { group: "error", one: "could not be read", many: "could not be read" },
  { group: "blocked", one: "would stop (undeclared keys)", many: "would stop (undeclared keys)" },
  { group: "restart", one: "restarts", many: "restart" },
  { group: "start", one: "starts chronyd", many: "start chronyd" },
  { group: "rekey+reload-sources", one: "rekeys and reloads sources", many: "rekey and reload sources" },
  { group: "reload-sources", one: "reloads sources", many: "reload sources" },
  { group: "rekey", one: "rekeys", many: "rekey" },
  { group: "firewall", one: "loads firewall rules only", many: "load firewall rules only" },
  { group: "fix", one: "gets a mode or owner fixed", many: "get a mode or owner fixed" },
  { group: "unchanged", one: "unchanged", many: "unchanged" },
];

function groupOf(p: HostPlan): Group {
  if (p.status === "error" || p.status === "blocked" || p.status === "unchanged") return p.status;
  // By what chronyd goes through: a restart that also loads the firewall, or drops NTS cookies, is a restart.
  const chronyd = chronydAction(p.action).replace("+nts-ke", "") as ApplyAction;
  if (chronyd === "none") return p.action === "firewall" ? "firewall" : "fix";
  return chronyd;
}

/**
 * The plan in one sentence, for a PR: "3 hosts reload sources, 1 restarts (chrony.conf: makestep
 * changed), 1 unchanged". Restarts and starts say why, since they re-arm makestep.
 */
export function planSentence(plans: readonly HostPlan[]): string {
  const parts: string[] = [];
  for (const { group, one, many } of GROUPS) {
    const members = plans.filter((p) => groupOf(p) === group);
    if (members.length === 0) continue;
    const head = parts.length === 0 ? count(members.length, "host") : String(members.length);
    const reasons = [...new Set(members.map((p) => p.reason))];
    const why = group === "restart" || group === "start" ? ` (${reasons.slice(0, 2).join("; ")}${reasons.length > 2 ? "; …" : ""})` : "";
    parts.push(`${head} ${members.length === 1 ? one : many}${why}`);
  }
  return parts.join(", ") || "no hosts";
}

function fileName(f: FileChange): string {
  return path.posix.basename(f.path);
}

/** The changed lines of a file, `-` then `+`, at most LINES_SHOWN of them. */
function diffLines(f: FileChange): string[] {
  const lines = [...(f.removed ?? []).map((l) => `- ${l}`), ...(f.added ?? []).map((l) => `+ ${l}`)];
  return lines.length > LINES_SHOWN ? [...lines.slice(0, LINES_SHOWN), `… and ${lines.length - LINES_SHOWN} more line(s)`] : lines;
}

const actionWords = (a: ApplyAction) => (a === "none" ? "-" : a);

/** `plan` as text: a line per host, then each changed file with its changed lines, notes, and the sentence. */
export function planText(plans: readonly HostPlan[]): string {
  const out: string[] = [];
  const width = Math.max(4, ...plans.map((p) => p.host.length));
  const actionWidth = Math.max(6, ...plans.map((p) => actionWords(p.action).length));
  out.push(`${"HOST".padEnd(width)}  ${"ACTION".padEnd(actionWidth)}  WHY`);
  for (const p of plans) {
    const why = p.status === "error" ? `not read: ${p.error}` : p.status === "unchanged" ? "matches the synth output" : p.reason;
    out.push(`${p.host.padEnd(width)}  ${actionWords(p.action).padEnd(actionWidth)}  ${why}`.trimEnd());
    for (const f of p.files) {
      out.push(`${"".padEnd(width)}    ${f.path}: ${f.change === "create" ? "created" : f.change === "remove" ? "removed" : f.change}: ${f.summary}`);
      for (const l of f.role === "keys" ? [] : diffLines(f)) out.push(`${"".padEnd(width)}      ${l}`);
    }
    for (const n of p.notes) out.push(`${"".padEnd(width)}    note: ${n}`);
  }
  out.push("", `plan: ${planSentence(plans)}`);
  const effects = [
    ...new Set(plans.flatMap((p) => (p.status === "change" && clockEffect(p.action) ? [`${p.action}: ${clockEffect(p.action)}`] : []))),
  ];
  if (effects.length > 0) out.push(`clock: ${effects.join("; ")}`);
  return `${out.join("\n")}\n`;
}

function filesCell(p: HostPlan): string {
  const parts = p.files.map((f) => {
    const lines =
      f.role === "keys"
        ? []
        : diffLines(f).map((l) => (l.startsWith("- ") || l.startsWith("+ ") ? `${l[0] === "-" ? "−" : "+"}${mdCode(l.slice(2))}` : mdText(l)));
    return [
      `${mdCode(fileName(f))}: ${mdText(f.change === "create" ? `created (${f.summary})` : f.change === "remove" ? `removed (${f.summary})` : f.summary)}`,
      ...lines,
    ].join("<br>");
  });
  return [...parts, ...p.notes.map((n) => `note: ${mdText(n)}`)].join("<br>") || "-";
}

/**
 * `plan --format markdown`, for a PR or MR: the sentence as the heading, then a table of the hosts
 * that change (with each file's changed lines, chrony.keys by fingerprint only), that would stop,
 * or that could not be read. One line when nothing would change.
 */
export function planMarkdown(plans: readonly HostPlan[]): string {
  const shown = plans.filter((p) => p.status !== "unchanged");
  if (shown.length === 0) return `**cdktf-chrony plan**: no changes, ${count(plans.length, "host")} match the synth output.\n`;
  const rows = shown.map((p) => {
    const effect = p.status === "change" ? clockEffect(p.action) : undefined;
    const action =
      p.status === "error"
        ? "**not read**"
        : p.status === "blocked"
          ? "**blocked**"
          : p.action === "none"
            ? "fix in place"
            : p.action.replace("+", " + ").replace("-", " ");
    return [
      mdCode(p.host),
      effect ? `**${action}** (${mdText(effect)})` : action,
      mdText(p.status === "error" ? (p.error ?? "") : p.reason),
      p.status === "error" ? "-" : filesCell(p),
    ];
  });
  return `### cdktf-chrony plan: ${mdText(planSentence(plans))}\n\n${mdTable(["host", "action", "why", "files"], rows)}`;
}
