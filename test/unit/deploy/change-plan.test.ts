import { describe, expect, it } from "vitest";
import { planChange } from "../../../lib/deploy/change-plan";
import { parseApplyOutput, rolesKey, allRoleSets } from "../../../lib/deploy/apply-script";
import { extraSources, findSource } from "../../../lib/deploy/rules";
import { HostManifest } from "../../../lib/manifest";
import { parseSurvey } from "../../../lib/deploy/survey-script";
import type { SourceReport } from "../../../lib/cmdmon";

const manifest = (chronyVersion = "4.3", reloadPolicy: HostManifest["reloadPolicy"] = "least-disruptive") =>
  ({ chronyVersion, reloadPolicy }) as HostManifest;

describe("planChange: the least disruptive action for a change", () => {
  it.each([
    [[], true, "none"],
    [[], false, "start"],
    [["sources"], true, "reload-sources"],
    [["keys"], true, "rekey"],
    [["sources", "keys"], true, "rekey+reload-sources"],
    [["conf"], true, "restart"],
    [["conf", "sources", "keys"], true, "restart"],
    [["sources"], false, "start"],
  ] as const)("%j with chronyd running=%s → %s", (changed, running, action) => {
    expect(planChange(manifest(), changed, running).action).toBe(action);
  });

  it("restarts on chrony older than 4.0, which has no reload sources", () => {
    expect(planChange(manifest("3.5"), ["sources"], true)).toEqual({ changed: ["sources"], action: "restart", reason: "chrony 3.5 has no 'reload sources'" });
  });

  it("always restarts under the restart policy", () => {
    expect(planChange(manifest("4.3", "restart"), ["keys"], true).action).toBe("restart");
  });

  it("says a conf change re-arms makestep", () => {
    expect(planChange(manifest(), ["conf"], true).reason).toBe("chrony.conf changed (makestep is re-armed by the restart)");
  });
});

describe("parsing the host's answers", () => {
  it("reads drift's survey: digests, chronyd state, foreign files, the keys file and chronyc's reports", () => {
    const keys = Buffer.from("1 SHA1 HEX:00112233445566778899\n").toString("base64");
    const survey = parseSurvey(
      `FILE ${"a".repeat(64)}\nFILE -\nRUNNING yes\nFOREIGN /etc/chrony/sources.d/dhcp.sources\n--cdktf-chrony--keys\n${keys}\n--cdktf-chrony--sources\n^,*,10.0.0.1\n--cdktf-chrony--named\n^,*,ntp1\n--cdktf-chrony--ntpdata\n`,
      2,
    );
    expect(survey).toEqual({
      digests: ["a".repeat(64), undefined],
      running: true,
      foreignSourceFiles: ["/etc/chrony/sources.d/dhcp.sources"],
      keysFile: "1 SHA1 HEX:00112233445566778899\n",
      sources: { plain: "^,*,10.0.0.1\n", named: "^,*,ntp1\n" },
      ntpData: "",
    });
    expect(() => parseSurvey("FILE -\n", 2)).toThrow("unexpected answer from the host (1 of 2 files)");
  });

  it("reads the apply script's answer: files, plan, steps, the failed one, chronyd's words, what was swapped", () => {
    const out = parseApplyOutput(
      [
        "FILE conf changed",
        "FILE sources changed",
        "FILE keys same",
        "RUNNING yes",
        "PLAN restart",
        "STEP stage",
        "STEP validate",
        "STEP swap",
        "SWAPPED had /etc/chrony/chrony.conf",
        "SWAPPED new /etc/chrony/sources.d/cdktf-chrony.sources",
        "STEP reload",
        "FAIL reload",
        "DETAIL 2026-11-26T05:00:00Z Fatal error : Could not open /x",
        "",
      ].join("\n"),
    );
    expect(out).toEqual({
      changed: ["conf", "sources"],
      running: true,
      foreignSourceFiles: [],
      action: "restart",
      completed: ["stage", "validate", "swap"],
      failed: "reload",
      detail: "Fatal error : Could not open /x",
      swapped: [
        { existed: true, path: "/etc/chrony/chrony.conf" },
        { existed: false, path: "/etc/chrony/sources.d/cdktf-chrony.sources" },
      ],
      done: false,
    });
  });

  it("names missing sources when verification fails", () => {
    const out = parseApplyOutput("PLAN none\nSTEP verify\nMISSING peer 10.0.0.2\nFAIL verify\nDETAIL chronyd does not list every configured source\n");
    expect(out.failed).toBe("verify");
    expect(out.detail).toBe("chronyd does not list peer 10.0.0.2");
  });

  it("keys every combination of changed files in one order", () => {
    expect(allRoleSets().map(rolesKey)).toEqual(["", "conf", "sources", "conf+sources", "keys", "conf+keys", "sources+keys", "conf+sources+keys"]);
  });
});

describe("matching live sources with the manifest", () => {
  const src = (address: string, mode: SourceReport["mode"], name?: string) => ({ address, mode, name }) as SourceReport;
  const expected = [
    { kind: "server" as const, name: "ntp.example.net", nts: false },
    { kind: "peer" as const, name: "10.0.0.2", keyId: 1, nts: false },
  ];

  it("matches by configured name, then address, and a peer only with a peer", () => {
    const missing = (live: SourceReport[]) => expected.filter((e) => findSource(live, e) === undefined);
    expect(missing([src("192.0.2.9", "server", "ntp.example.net"), src("10.0.0.2", "peer")])).toEqual([]);
    expect(missing([src("192.0.2.9", "server", "ntp.example.net"), src("10.0.0.2", "server")])).toEqual([expected[1]]);
  });

  it("reports NTP sources the manifest does not name, but not refclocks", () => {
    const live = [src("192.0.2.9", "server", "ntp.example.net"), src("10.0.0.2", "peer"), src("127.0.0.99", "server"), src("GPS", "refclock")];
    expect(extraSources(live, expected).map((s) => s.address)).toEqual(["127.0.0.99"]);
  });
});
