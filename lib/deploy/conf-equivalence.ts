import { Directive, parseDirectiveLine } from "../model/directive";
import { effectiveConfig, effectiveDifference } from "../model/effective-config";
import { shellJoin, shellQuote } from "../ssh/shell-quote";

/**
 * Deploy-side helper for adopting hosts (issue #13), for apply to call; nothing in lib/deploy uses
 * it yet. A host adopted with `cdktf-chrony import` gets a chrony.conf whose bytes differ from its
 * old one (the managed header, the profile's order, numbers written one way) while chronyd reads
 * both the same way. Apply restarts chronyd whenever chrony.conf's bytes change, which re-arms
 * makestep and drops measurements for nothing. With this check, apply can compare what chronyd
 * makes of the live file and of the staged one, and swap the file without a restart when they are
 * equivalent.
 *
 * Use: once the files are staged and `chronyd -p` accepted the new one, when chrony.conf is the
 * only reason for a restart, run `confProbeScript` on the host (it only reads), then
 * `confEquivalence` on its output; when equivalent, swap chrony.conf but take the action of the
 * other changed files (none, reload sources, rekey). `chronyd -p` expands confdir and include, so
 * drop-ins count; it does not list sourcedir files, so sources that move between chrony.conf and a
 * sourcedir are a difference (a restart is then right: reload sources never removes a source that
 * came from chrony.conf).
 */

const LIVE = "CDKTF_CHRONY_P LIVE";
const NEXT = "CDKTF_CHRONY_P NEXT";
const END = "CDKTF_CHRONY_P END";

/** A read-only script that prints `chronyd -p` of the live and of the staged chrony.conf, framed. */
export function confProbeScript(chronyd: readonly string[], liveConf: string, stagedConf: string): string {
  const p = (file: string, marker: string) =>
    `echo ${shellQuote(marker)}; ${shellJoin([...chronyd, "-p", "-f", file])} 2>/dev/null || echo ${shellQuote(`${marker} FAILED`)}; echo ${shellQuote(END)}`;
  return [p(liveConf, LIVE), p(stagedConf, NEXT)].join("\n");
}

function section(stdout: string, marker: string): Directive[] | undefined {
  const lines = stdout.split("\n");
  const start = lines.indexOf(marker);
  const end = lines.indexOf(END, start + 1);
  if (start < 0 || end < 0 || lines.slice(start + 1, end).includes(`${marker} FAILED`)) return undefined;
  return lines.slice(start + 1, end).flatMap((l) => parseDirectiveLine(l) ?? []);
}

export interface ConfEquivalence {
  /** chronyd reads both files the same way: the new one needs no restart. */
  readonly equivalent: boolean;
  /** Why not, for the plan line: the first differences, or that `chronyd -p` failed. */
  readonly reason: string;
}

/** Compares the two `chronyd -p` outputs of confProbeScript in effectiveConfig's canonical form. */
export function confEquivalence(probeStdout: string): ConfEquivalence {
  const live = section(probeStdout, LIVE);
  const next = section(probeStdout, NEXT);
  if (!live || !next) return { equivalent: false, reason: "chronyd -p could not read one of the files" };
  const diff = effectiveDifference(effectiveConfig(live), effectiveConfig(next));
  if (diff.onlyFirst.length === 0 && diff.onlySecond.length === 0)
    return { equivalent: true, reason: "chronyd reads the new chrony.conf as the live one" };
  const show = (l: string[]) =>
    l
      .slice(0, 3)
      .map((x) => x.replace(/ {2}#.*$/, ""))
      .join("; ") || "-";
  return { equivalent: false, reason: `chrony.conf means something else: live only ${show(diff.onlyFirst)}; new only ${show(diff.onlySecond)}` };
}
