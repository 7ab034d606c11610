import { Directive } from "../model/directive";
import { isCommentLine, parseDirectiveLine } from "./parse-line";

/** A chrony.conf (or .sources) file as lines: directives, comments and blanks, in order. */
export type ConfLine =
  | { readonly kind: "directive"; readonly directive: Directive; readonly lineNumber: number }
  | { readonly kind: "comment"; readonly text: string; readonly lineNumber: number }
  | { readonly kind: "blank"; readonly lineNumber: number };

export interface ConfDocument {
  readonly lines: readonly ConfLine[];
}

export function parseConf(text: string): ConfDocument {
  const raw = text.split(/\r?\n/);
  if (raw.length > 0 && raw[raw.length - 1] === "") raw.pop();
  const lines: ConfLine[] = raw.map((line, i) => {
    const lineNumber = i + 1;
    if (line.trim() === "") return { kind: "blank", lineNumber };
    if (isCommentLine(line)) return { kind: "comment", text: line.replace(/\s+$/, ""), lineNumber };
    return { kind: "directive", directive: parseDirectiveLine(line)!, lineNumber };
  });
  return { lines };
}

export function documentDirectives(doc: ConfDocument): Directive[] {
  return doc.lines.flatMap((l) => (l.kind === "directive" ? [l.directive] : []));
}
