import { describe, expect, it } from "vitest";
import { planChange } from "../../../lib/deploy/change-plan";
import { authentication, extraSources, fileMatch, findSource } from "../../../lib/deploy/rules";
import { HostManifest } from "../../../lib/manifest";
import type { NtpData, SourceReport } from "../../../lib/cmdmon";

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
    expect(planChange(manifest("3.5"), ["sources"], true)).toEqual({
      changed: ["sources"],
      action: "restart",
      reason: "chrony 3.5 has no 'reload sources'",
    });
  });

  it("always restarts under the restart policy", () => {
    expect(planChange(manifest("4.3", "restart"), ["keys"], true).action).toBe("restart");
  });

  it("says a conf change re-arms makestep", () => {
    expect(planChange(manifest(), ["conf"], true).reason).toBe("chrony.conf changed (makestep is re-armed by the restart)");
  });
});

// The rules apply, verify and drift share: each is pinned here once.
describe("rule: is an expected source configured", () => {
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

describe("rule: is a keyed source authenticated", () => {
  const keyed = { kind: "server" as const, name: "10.0.0.1", keyId: 5, nts: false };
  const source = (reach: number) => ({ address: "10.0.0.1", mode: "server", reach }) as SourceReport;
  const data = (authenticated: boolean) => [{ remoteAddress: "10.0.0.1", authenticated } as NtpData];

  it.each([
    ["no key, no NTS", { ...keyed, keyId: undefined }, 0o377, data(false), "not-keyed"],
    ["no reply yet", keyed, 0, data(true), "no-reply"],
    ["ntpdata says not authenticated", keyed, 0o377, data(false), "unauthenticated"],
    ["answers but chronyd has no ntpdata for it", keyed, 0o377, [], "unauthenticated"],
    ["its latest request got no valid reply (a wrong key shows this way)", keyed, 0o376, data(true), "last-missed"],
    ["authenticated and answering", keyed, 0o377, data(true), "authenticated"],
    ["NTS is judged the same way", { ...keyed, keyId: undefined, nts: true }, 0o377, data(true), "authenticated"],
  ] as const)("%s", (_name, expected, reach, ntp, verdict) => {
    expect(authentication(expected, source(reach), ntp)).toBe(verdict);
  });
});

describe("rule: does a managed file match", () => {
  const wanted = { sha256: "a".repeat(64), mode: 0o640, owner: "root:_chrony" };
  it.each([
    ["missing", undefined, "missing"],
    ["other content (wins over mode and owner)", { sha256: "b".repeat(64), mode: "644", owner: "root:root" }, "content"],
    ["other mode", { sha256: "a".repeat(64), mode: "644", owner: "root:_chrony" }, "mode"],
    ["other owner", { sha256: "a".repeat(64), mode: "640", owner: "root:root" }, "owner"],
    ["the same", { sha256: "a".repeat(64), mode: "640", owner: "root:_chrony" }, "same"],
  ] as const)("%s", (_name, live, verdict) => {
    expect(fileMatch(live, wanted)).toBe(verdict);
  });

  it("ignores the owner when any will do", () => {
    expect(fileMatch({ sha256: "a".repeat(64), mode: "640", owner: "x:y" }, { ...wanted, owner: undefined })).toBe("same");
  });
});
