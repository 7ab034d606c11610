import { Directive, parseDirectiveLine } from "../model/directive";
import { effectiveConfig, effectiveDifference } from "../model/effective-config";

/**
 * Whether a new chrony.conf means the same to chronyd as the live one. A host adopted with
 * `cdktf-chrony import` gets a chrony.conf whose bytes differ from its old one (the managed header,
 * the profile's order, numbers written one way) while chronyd reads both the same way; restarting
 * for it would re-arm makestep and drop measurements for nothing. The apply program prints what
 * `chronyd -p` makes of both files when chrony.conf's bytes differ; this compares the two in
 * effectiveConfig's canonical form. `chronyd -p` expands confdir and include, so drop-ins count; it
 * does not list sourcedir files, so sources that move between chrony.conf and a sourcedir are a
 * difference (a restart is then right: reload sources never removes a source from chrony.conf).
 */
export interface ConfEquivalence {
  /** chronyd reads both files the same way: the new one needs no restart. */
  readonly equivalent: boolean;
  /** Why, for the plan line: the first differences, or that `chronyd -p` failed. */
  readonly reason: string;
}

function directives(output: string): Directive[] {
  return output.split("\n").flatMap((l) => parseDirectiveLine(l) ?? []);
}

/** Compares `chronyd -p` of the live chrony.conf with that of the new one (empty: -p failed). */
export function confEquivalence(liveParsed: string, nextParsed: string): ConfEquivalence {
  if (liveParsed.trim() === "" || nextParsed.trim() === "") return { equivalent: false, reason: "chronyd -p could not read one of the files" };
  const diff = effectiveDifference(effectiveConfig(directives(liveParsed)), effectiveConfig(directives(nextParsed)));
  if (diff.onlyFirst.length === 0 && diff.onlySecond.length === 0)
    return { equivalent: true, reason: "chronyd reads the new chrony.conf as the live one" };
  const show = (l: string[]) =>
    l
      .slice(0, 3)
      .map((x) => x.replace(/ {2}#.*$/, ""))
      .join("; ") || "-";
  return { equivalent: false, reason: `chrony.conf means something else: live only ${show(diff.onlyFirst)}; new only ${show(diff.onlySecond)}` };
}
