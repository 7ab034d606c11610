import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { confEquivalence } from "../../../lib/deploy/conf-equivalence";

// The deploy-side check that lets apply skip a restart for an equivalent chrony.conf, run under sh
// with the real chronyd 4.3, as apply would run it on a host.

const work = fs.mkdtempSync(path.join(os.tmpdir(), "conf-equivalence-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function probe(live: string, next: string) {
  fs.writeFileSync(path.join(work, "live.conf"), live);
  fs.writeFileSync(path.join(work, "next.conf"), next);
  // What the apply program prints for each file: `chronyd -p -f FILE` (nothing when it fails).
  const parsed = (file: string) => {
    const r = spawnSync("/usr/sbin/chronyd", ["-p", "-f", path.join(work, file)], { encoding: "utf8" });
    return r.status === 0 ? r.stdout : "";
  };
  return confEquivalence(parsed("live.conf"), parsed("next.conf"));
}

describe("confEquivalence (chronyd -p of the live and the staged chrony.conf)", () => {
  it("finds a hand-edited file and the managed one equivalent when only comments, spacing, order and number format differ", () => {
    const live =
      "# hand-written\nserver 192.0.2.1   iburst  minpoll 4\nmakestep 1.0 3\n\tallow 10/8\ndeny 10.1/16\nmaxupdateskew 100.0\nlog tracking\nlog measurements\n";
    const next =
      "# Managed by cdktf-chrony\nmaxupdateskew 100\nmakestep 1 3\nserver 192.0.2.1 minpoll 4 iburst\nallow 10/8\ndeny 10.1/16\nlog measurements tracking\n";
    expect(probe(live, next)).toEqual({ equivalent: true, reason: "chronyd reads the new chrony.conf as the live one" });
  });

  it("finds a different value, a reordered access rule, or a moved source not equivalent", () => {
    expect(probe("makestep 1 3\n", "makestep 1 -1\n").equivalent).toBe(false);
    expect(probe("allow 10/8\ndeny 10.1/16\n", "deny 10.1/16\nallow 10/8\n")).toMatchObject({
      equivalent: false,
      reason: expect.stringContaining("chrony.conf means something else"),
    });
    // Sources that move into a sourcedir are not in chronyd -p's output: a restart is needed.
    expect(probe("server 192.0.2.1\n", `sourcedir ${work}\n`).equivalent).toBe(false);
  });

  it("says so when chronyd -p cannot read a file", () => {
    expect(probe("makestep 1 3\n", "no_such_directive 1\n")).toEqual({ equivalent: false, reason: "chronyd -p could not read one of the files" });
  });
});
