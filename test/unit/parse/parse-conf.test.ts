import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { directiveLine, parseDirectiveLine } from "../../../lib/model/directive";
import { parseKeyFile } from "../../../lib/parse/parse-keys";
import { validateDirective } from "../../../lib/model/validate-directive";
import { parseChronyVersion } from "../../../lib/model/version";

const FIXTURES = path.join(__dirname, "../../fixtures/conf");
const fixtures = fs.readdirSync(FIXTURES).filter((f) => f.endsWith(".conf"));

/** Each directive line re-rendered as chronyd -p prints it; comments and blanks as written. */
function normalise(text: string): string {
  return text
    .split("\n")
    .map((l) => {
      const d = parseDirectiveLine(l);
      return d ? directiveLine(d) : l;
    })
    .join("\n");
}

const directivesOf = (text: string) => text.split("\n").flatMap((l) => parseDirectiveLine(l) ?? []);

describe("parseDirectiveLine and directiveLine", () => {
  it("has the Debian and RHEL defaults and at least 10 other realistic configs", () => {
    expect(fixtures).toContain("debian-12-default.conf");
    expect(fixtures).toContain("rhel-9-default.conf");
    expect(fixtures.length).toBeGreaterThanOrEqual(12);
  });

  it.each(fixtures)("%s: render(parse(text)) is a fixed point and keeps every comment", (name) => {
    const text = fs.readFileSync(path.join(FIXTURES, name), "utf8");
    const once = normalise(text);
    expect(normalise(once)).toBe(once);
    const comments = text.split("\n").filter((l) => /^\s*[#;!%]/.test(l)).length;
    expect(once.split("\n").filter((l) => /^\s*[#;!%]/.test(l)).length).toBe(comments);
  });

  it.each(fixtures)("%s: every directive passes the 4.3 grammar", (name) => {
    for (const d of directivesOf(fs.readFileSync(path.join(FIXTURES, name), "utf8")))
      expect(() => validateDirective(d, parseChronyVersion("4.3")), `${name}: ${d.name}`).not.toThrow();
  });

  it("normalises whitespace in directives and keeps tokens exactly (1.0 stays 1.0, 10/8 stays 10/8)", () => {
    expect(normalise("  makestep   1.0\t3\nallow 10/8\n")).toBe("makestep 1.0 3\nallow 10/8\n");
  });
});

describe("parseKeyFile", () => {
  it("reads ID [TYPE] KEY lines and reports bad and duplicate lines without quoting material", () => {
    const parsed = parseKeyFile("# keys\n1 SHA1 HEX:0011\n2 ASCII:secretword\n2 MD5 HEX:AA\nbogus line here now\n");
    expect(parsed.entries.map((e) => [e.id, e.type])).toEqual([
      [1, "SHA1"],
      [2, undefined],
      [2, "MD5"],
    ]);
    expect(parsed.problems.map((p) => p.message)).toEqual(["duplicate key 2 at line 4", "could not parse key at line 5: expected 'ID [TYPE] KEY'"]);
    expect(JSON.stringify(parsed.problems)).not.toContain("secretword");
  });
});
