import { describe, expect, it } from "vitest";
import { describeLines, lineChanges } from "../../../lib/deploy/line-changes";

describe("line changes of chrony.conf and sources files", () => {
  it("lists the lines each side lacks, ignoring comments, blank lines, spacing and order", () => {
    const before = "# a comment\nmakestep 1 3\nrtcsync\n\nserver 10.0.0.1   iburst\nallow 10.0.0.0/24\n";
    const after = "! other comment\nallow 10.0.0.0/24\nmakestep 0.5 3\nserver 10.0.0.1 iburst\nmaxslewrate 500\n";
    expect(lineChanges(before, after)).toEqual({ removed: ["makestep 1 3", "rtcsync"], added: ["makestep 0.5 3", "maxslewrate 500"] });
  });

  it("counts repeated lines", () => {
    expect(lineChanges("allow a\nallow a\n", "allow a\n")).toEqual({ removed: ["allow a"], added: [] });
  });

  it("sums up by directive, telling sources and other repeatable directives apart by their first argument", () => {
    expect(describeLines(lineChanges("makestep 1 3\nrtcsync\n", "makestep 0.5 3\nmaxslewrate 500\n"))).toBe(
      "makestep changed, rtcsync removed, maxslewrate added",
    );
    expect(describeLines(lineChanges("server 10.0.0.1 iburst\nserver 10.0.0.2\n", "server 10.0.0.1 iburst maxpoll 7\nserver 10.0.0.3\n"))).toBe(
      "server 10.0.0.1 changed, server 10.0.0.2 removed, server 10.0.0.3 added",
    );
    expect(describeLines(lineChanges("a 1\nb 1\nc 1\nd 1\n", "a 2\nb 2\nc 2\nd 2\n"))).toBe("a changed, b changed, c changed and 1 more");
    expect(describeLines(lineChanges("# x\nrtcsync\n", "rtcsync\n# y\n"))).toBe("only comments, blank lines or order differ");
  });
});
