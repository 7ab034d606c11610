import { describe, expect, it } from "vitest";
import { asksForHelp, parseArgs } from "../../../lib/cli/args";
import { countOption, durationOption } from "../../../lib/cli/number-options";

const SPEC = { command: "verify", options: { json: "flag", host: "value" }, maxPositionals: 1 } as const;

describe("parseArgs", () => {
  it("reads flags, values (both spellings) and positionals in any order", () => {
    expect(parseArgs(["--host", "h1", "out", "--json"], SPEC)).toEqual({ positionals: ["out"], options: { json: true, host: "h1" } });
    expect(parseArgs(["--host=h1"], SPEC)).toEqual({ positionals: [], options: { json: false, host: "h1" } });
    expect(parseArgs(["--host=-odd"], SPEC).options.host).toBe("-odd");
  });

  it("takes everything after -- as positionals", () => {
    expect(parseArgs(["--", "--json"], SPEC)).toEqual({ positionals: ["--json"], options: { json: false, host: undefined } });
  });

  it.each([
    [["--host", "--json"], "option --host needs a value: see 'cdktf-chrony verify --help'"],
    [["--host", "-h"], "option --host needs a value: see 'cdktf-chrony verify --help'"],
    [["--host"], "option --host needs a value: see 'cdktf-chrony verify --help'"],
    [["--host="], "option --host needs a value: see 'cdktf-chrony verify --help'"],
    [["--json=1"], "option --json takes no value (got '--json=1'): see 'cdktf-chrony verify --help'"],
    [["-j"], "unknown option '-j' for verify: see 'cdktf-chrony verify --help'"],
    [["--toString"], "unknown option '--toString' for verify: see 'cdktf-chrony verify --help'"],
    [["a", "b", "c"], "too many arguments for verify: 'b c': see 'cdktf-chrony verify --help'"],
  ])("refuses %j", (args, message) => {
    expect(() => parseArgs(args, SPEC)).toThrow(message);
  });
});

describe("asksForHelp", () => {
  it("finds --help and -h anywhere before --, and nowhere else", () => {
    expect(asksForHelp(["a", "--json", "-h"])).toBe(true);
    expect(asksForHelp(["--host", "x", "--help"])).toBe(true);
    expect(asksForHelp(["--", "--help"])).toBe(false);
    expect(asksForHelp(["--host=--help"])).toBe(false);
    expect(asksForHelp(["help"])).toBe(false);
  });
});

describe("number options", () => {
  it("reads counts as whole numbers from 1, and durations as positive numbers", () => {
    expect(countOption("concurrency", undefined)).toBeUndefined();
    expect(countOption("concurrency", "16")).toBe(16);
    expect(countOption("hosts", "200", 200)).toBe(200);
    expect(durationOption("timeout", "0.5", "seconds")).toBe(0.5);
    expect(durationOption("timeout", ".5", "seconds")).toBe(0.5);
    expect(durationOption("timeout", "60000", "milliseconds", 60_000)).toBe(60_000);
  });

  it.each([
    [() => countOption("concurrency", "2.5"), "invalid --concurrency '2.5': use a whole number ≥ 1"],
    [() => countOption("concurrency", "0"), "invalid --concurrency '0': use a whole number ≥ 1"],
    [() => countOption("concurrency", " 8"), "invalid --concurrency ' 8': use a whole number ≥ 1"],
    [() => countOption("concurrency", "1e3"), "invalid --concurrency '1e3': use a whole number ≥ 1"],
    [() => countOption("hosts", "201", 200), "invalid --hosts '201': use a whole number from 1 to 200"],
    [() => durationOption("timeout", "0", "seconds"), "invalid --timeout '0': use a positive number of seconds"],
    [() => durationOption("timeout", "Infinity", "seconds"), "invalid --timeout 'Infinity': use a positive number of seconds"],
    [
      () => durationOption("timeout", "60001", "milliseconds", 60_000),
      "invalid --timeout '60001': use a positive number of milliseconds up to 60000",
    ],
  ])("refuses bad values with one message shape (%#)", (read, message) => {
    expect(read).toThrow(message);
  });
});
