import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellJoin, shellQuote } from "../../../lib/ssh/shell-quote";

// What a shell makes of a command line: its words, NUL-separated by printf.
function wordsAfterShell(shell: string, commandLine: string): string[] {
  const out = execFileSync(shell, ["-c", `set -- ${commandLine}; printf '%s\\0' "$@"`], { encoding: "utf8" });
  return out.split("\0").slice(0, -1);
}

const NASTY = [
  "plain",
  "/etc/chrony/chrony.conf",
  "with space",
  "it's",
  `"double"`,
  "a\nnewline",
  "$(touch /tmp/pwned)",
  "`id`",
  "$HOME",
  "*",
  "~",
  "~root",
  "=cmd",
  "a;b|c&d",
  "",
  "tab\there",
  "back\\slash",
  "'",
  "''",
  "--flag=value",
  "ünïcødé",
  "!bang",
  "{a,b}",
];

describe("shellQuote", () => {
  it("leaves safe words bare and quotes everything else", () => {
    expect(shellQuote("chronyc")).toBe("chronyc");
    expect(shellQuote("/run/chrony/chronyd.sock")).toBe("/run/chrony/chronyd.sock");
    expect(shellQuote("--flag=value")).toBe("--flag=value");
    expect(shellQuote("with space")).toBe("'with space'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote("$(id)")).toBe("'$(id)'");
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("~")).toBe("'~'");
    expect(shellQuote("=cmd")).toBe("'=cmd'");
    expect(shellQuote("a\nb")).toBe("'a\nb'");
  });

  it("fails on a NUL byte, which no argv can carry", () => {
    expect(() => shellQuote("a\0b")).toThrow(/NUL byte/);
  });

  for (const shell of ["/bin/sh", "/bin/bash"]) {
    it(`round-trips every argument through ${shell} unchanged`, () => {
      expect(wordsAfterShell(shell, shellJoin(NASTY))).toEqual(NASTY);
    });
  }
});

describe("shellJoin", () => {
  it("joins quoted words with spaces", () => {
    expect(shellJoin(["chronyc", "-h", "/run/a b", "tracking"])).toBe("chronyc -h '/run/a b' tracking");
  });

  it("fails on an empty argv", () => {
    expect(() => shellJoin([])).toThrow(/empty command/);
  });
});
