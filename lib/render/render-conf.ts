import { directiveLine } from "../model/directive";
import { ConfDocument } from "../parse/conf-document";

/**
 * Writes a document back as text: directives with single spaces between tokens (as chronyd -p
 * prints them), comments as written, blank lines kept. render(parse(text)) is a fixed point.
 */
export function renderConf(doc: ConfDocument): string {
  const out = doc.lines.map((line) => {
    switch (line.kind) {
      case "directive":
        return directiveLine(line.directive);
      case "comment":
        return line.text;
      case "blank":
        return "";
    }
  });
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}
