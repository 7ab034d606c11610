/** TypeScript source that is written as is (a variable, a call), not as a literal. */
export class Code {
  constructor(public readonly text: string) {}
}

export const code = (text: string) => new Code(text);

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const INLINE_WIDTH = 100;

/** A value as a TypeScript literal: objects with bare keys, double-quoted strings, short values on one line. */
export function tsLiteral(value: unknown, indent = ""): string {
  if (value instanceof Code) return value.text;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`internal error: cannot write ${value} as TypeScript`);
    return Object.is(value, -0) ? "0" : String(value);
  }
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) {
    const items = value.map((v) => tsLiteral(v, `${indent}  `));
    const inline = `[${items.join(", ")}]`;
    if (inline.length + indent.length <= INLINE_WIDTH && !inline.includes("\n")) return inline;
    return `[\n${items.map((i) => `${indent}  ${i},`).join("\n")}\n${indent}]`;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    const items = entries.map(([k, v]) => `${IDENTIFIER.test(k) ? k : JSON.stringify(k)}: ${tsLiteral(v, `${indent}  `)}`);
    const inline = items.length === 0 ? "{}" : `{ ${items.join(", ")} }`;
    if (inline.length + indent.length <= INLINE_WIDTH && !inline.includes("\n")) return inline;
    return `{\n${items.map((i) => `${indent}  ${i},`).join("\n")}\n${indent}}`;
  }
  throw new Error(`internal error: cannot write ${typeof value} as TypeScript`);
}

/** A name usable as a TypeScript variable, from a host or key name. */
export function variableName(name: string, taken: Set<string>): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  let base = words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join("") || "host";
  if (!/^[A-Za-z_$]/.test(base)) base = `h${base}`;
  if (RESERVED.has(base)) base = `${base}Host`;
  let candidate = base;
  for (let n = 2; taken.has(candidate); n++) candidate = `${base}${n}`;
  taken.add(candidate);
  return candidate;
}

const RESERVED = new Set([
  "app",
  "stack",
  "break",
  "case",
  "catch",
  "class",
  "const",
  "continue",
  "debugger",
  "default",
  "delete",
  "do",
  "else",
  "enum",
  "export",
  "extends",
  "false",
  "finally",
  "for",
  "function",
  "if",
  "import",
  "in",
  "instanceof",
  "new",
  "null",
  "return",
  "super",
  "switch",
  "this",
  "throw",
  "true",
  "try",
  "typeof",
  "var",
  "void",
  "while",
  "with",
  "let",
  "static",
  "yield",
  "await",
  "implements",
  "interface",
  "package",
  "private",
  "protected",
  "public",
]);
