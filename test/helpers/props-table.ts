import * as path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "../..");

/** A documented property of an interface: its TSDoc text (without tags) and its @default. */
export interface DocumentedProp {
  readonly name: string;
  readonly doc: string;
  readonly defaultValue?: string;
}

let program: ts.Program | undefined;

/** The properties of an exported interface or type of a file, with inherited ones, as TSDoc says them. */
export function documentedProps(file: string, typeName: string): DocumentedProp[] {
  const sourcePath = path.join(ROOT, file);
  program ??= ts.createProgram([path.join(ROOT, "constructs/index.ts")], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(sourcePath);
  if (!source) throw new Error(`${file} is not part of the program`);
  const moduleSymbol = checker.getSymbolAtLocation(source)!;
  const symbol = checker.getExportsOfModule(moduleSymbol).find((s) => s.name === typeName);
  if (!symbol) throw new Error(`${typeName} is not exported by ${file}`);
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  return checker.getPropertiesOfType(type).map((p) => ({
    name: p.name,
    doc: ts.displayPartsToString(p.getDocumentationComment(checker)).replace(/\s+/g, " ").trim(),
    defaultValue: p
      .getJsDocTags(checker)
      .find((t) => t.name === "default")
      ?.text?.map((x) => x.text)
      .join("")
      .replace(/\s+/g, " ")
      .trim(),
  }));
}

/** The chrony word a prop's TSDoc starts with: "`maxslewrate`: ..." gives "maxslewrate". */
export function chronyWordOf(doc: string): string | undefined {
  return /^`([^`]+)`/.exec(doc)?.[1];
}

/** What the prop means: its TSDoc after the chrony word, as one table cell. */
export function meaning(p: DocumentedProp): string {
  const text = p.doc.replace(/^`[^`]+`(, `[^`]+`)*( and `[^`]+`)?[:.]?\s*/, "").replace(/\|/g, "\\|");
  const def = p.defaultValue ? ` Default: ${p.defaultValue.replace(/^- /, "").replace(/\|/g, "\\|")}.` : "";
  return `${text}${text && !/[.)]$/.test(text) ? "." : ""}${def}`.trim();
}
