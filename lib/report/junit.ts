/**
 * JUnit XML, the report format CI systems import (GitLab `artifacts:reports:junit`, Jenkins, Azure,
 * GitHub actions that publish test results): one test suite per stack, one test case per host.
 * Text from hosts may hold anything, so every value is escaped, and characters XML 1.0 cannot
 * carry at all (control characters, lone surrogates) are written as visible `\uXXXX`.
 */

export interface JUnitProblem {
  /** One line for the CI page's list. */
  readonly message: string;
  /** A category: "drift", "unverified", "unreachable". */
  readonly type: string;
  /** The full story, one line per finding. */
  readonly text: string;
}

export interface JUnitCase {
  /** Groups the case in CI pages (we use the stack). */
  readonly classname: string;
  /** The host: stable from run to run, so CI can track it. */
  readonly name: string;
  readonly seconds: number;
  /** A check that ran and found a difference. */
  readonly failure?: JUnitProblem;
  /** A check that could not run (the host was unreachable). */
  readonly error?: JUnitProblem;
  /** Shown with the case: what was checked. */
  readonly output?: string;
}

export interface JUnitSuite {
  readonly name: string;
  readonly cases: readonly JUnitCase[];
}

// XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. With the u
// flag a surrogate pair is one code point, so only lone surrogates match the middle range.
// eslint-disable-next-line no-control-regex -- naming the control characters XML allows is the point
const NOT_XML_CHAR = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function visible(text: string): string {
  return text.replace(NOT_XML_CHAR, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Character data: `&`, `<` and `>` (the last so that `]]>` cannot appear). */
export function xmlText(text: string): string {
  return visible(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** An attribute value in double quotes; line breaks and tabs as references, or parsers fold them into spaces. */
export function xmlAttr(text: string): string {
  return xmlText(text).replace(/"/g, "&quot;").replace(/'/g, "&apos;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join("");
}

function problem(tag: "failure" | "error", p: JUnitProblem): string {
  return `      <${tag}${attrs({ message: p.message, type: p.type })}>${xmlText(p.text)}</${tag}>\n`;
}

const seconds = (s: number) => s.toFixed(3);

/** The document: `<testsuites>` with the totals, a `<testsuite>` per suite, a `<testcase>` per case. */
export function junitXml(name: string, suites: readonly JUnitSuite[], timestamp = new Date()): string {
  const totals = (cases: readonly JUnitCase[]) => ({
    tests: cases.length,
    failures: cases.filter((c) => c.failure).length,
    errors: cases.filter((c) => c.error).length,
    time: seconds(cases.reduce((sum, c) => sum + c.seconds, 0)),
  });
  const all = suites.flatMap((s) => s.cases);
  let out = `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${attrs({ name, ...totals(all) })}>\n`;
  for (const suite of suites) {
    out += `  <testsuite${attrs({ name: suite.name, ...totals(suite.cases), skipped: 0, timestamp: timestamp.toISOString().replace(/\.\d+Z$/, "") })}>\n`;
    for (const c of suite.cases) {
      const head = `    <testcase${attrs({ classname: c.classname, name: c.name, time: seconds(c.seconds) })}`;
      if (!c.failure && !c.error && c.output === undefined) {
        out += `${head}/>\n`;
        continue;
      }
      out += `${head}>\n`;
      if (c.failure) out += problem("failure", c.failure);
      if (c.error) out += problem("error", c.error);
      if (c.output !== undefined) out += `      <system-out>${xmlText(c.output)}</system-out>\n`;
      out += "    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  return `${out}</testsuites>\n`;
}

/** Cases grouped into one suite per stack, in the order the stacks first appear. */
export function suitesByStack<T extends { readonly stack: string }>(
  title: string,
  items: readonly T[],
  toCase: (item: T) => JUnitCase,
): JUnitSuite[] {
  const stacks = [...new Set(items.map((i) => i.stack))];
  return stacks.map((stack) => ({ name: `${title}: ${stack}`, cases: items.filter((i) => i.stack === stack).map(toCase) }));
}
