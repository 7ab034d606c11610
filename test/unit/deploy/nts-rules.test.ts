import { describe, expect, it } from "vitest";
import { parseChronycAuthData, type NtpData, type SourceReport } from "../../../lib/cmdmon";
import { planChange } from "../../../lib/deploy/change-plan";
import { authentication, ntsFailure, ntsKeState, ntsSummary } from "../../../lib/deploy/rules";
import type { ExpectedSource, HostManifest } from "../../../lib/manifest";

// The NTS rules apply, verify and drift share, on `chronyc -c authdata` lines captured from chronyd
// 4.3 on loopback (a client with its private CA, then with a CA that did not sign the server's certificate).
const ESTABLISHED = "127.0.60.201,NTS,1,15,256,3,0,0,8,100";
const KE_FAILED = "127.0.60.201,NTS,0,0,0,4294967295,1,0,0,0";
const NOT_NTS = "127.0.60.201,-,0,0,0,4294967295,0,0,0,0";
const NOT_TRIED = "127.0.60.201,NTS,0,0,0,4294967295,0,0,0,0";
const NAK = "127.0.60.201,NTS,1,15,256,40,0,1,3,100";

const one = (line: string) => parseChronycAuthData(`${line}\n`)[0];
const source = (reach: number) => ({ address: "127.0.60.201", mode: "server", reach }) as SourceReport;
const ntp = (authenticated: boolean) => [{ remoteAddress: "127.0.60.201", authenticated }] as NtpData[];
const expected: ExpectedSource = { kind: "server", name: "127.0.60.201", nts: true };

describe("rule: where an NTS source's key establishment stands", () => {
  it.each([
    [ESTABLISHED, "established"],
    [KE_FAILED, "failed"],
    [NOT_NTS, "not-nts"],
    [NOT_TRIED, "pending"],
    [NAK, "pending"],
  ])("%s → %s", (line, state) => {
    expect(ntsKeState(one(line))).toBe(state);
  });

  it("judges NTS sources from authdata in the shared authentication rule", () => {
    expect(authentication(expected, source(0o377), ntp(true), [one(ESTABLISHED)])).toBe("authenticated");
    expect(authentication(expected, source(0), ntp(false), [one(KE_FAILED)])).toBe("nts-ke-failed");
    expect(authentication(expected, source(0o377), ntp(false), [one(NOT_NTS)])).toBe("unauthenticated");
    expect(authentication(expected, source(0), [], [one(NOT_TRIED)])).toBe("no-reply");
    // Without authdata (a caller that did not ask), ntpdata decides as for keyed sources.
    expect(authentication(expected, source(0o377), ntp(true))).toBe("authenticated");
  });

  it("says why an NTS source failed: synth's diagnosis when it had one, else what to check", () => {
    expect(
      ntsFailure(
        { ...expected, ntsProblem: "its certificate is issued by 'CN=lab CA' (app/lab), which this host does not trust (it trusts 'CN=other CA')" },
        one(KE_FAILED),
      ),
    ).toBe(
      "server 127.0.60.201 uses NTS but NTS-KE failed (1 attempt, no cookies): its certificate is issued by 'CN=lab CA' (app/lab), which this host does not trust (it trusts 'CN=other CA')",
    );
    expect(ntsFailure(expected, one(KE_FAILED))).toBe(
      "server 127.0.60.201 uses NTS but NTS-KE failed (1 attempt, no cookies): check that its certificate is issued by a CA this host trusts (ntstrustedcerts, or the system CAs without nosystemcert), names 127.0.60.201 and is valid now, and that its NTS-KE port answers (chronyd logs the TLS error)",
    );
  });

  it("summarises NTS for reports", () => {
    expect(ntsSummary(one(ESTABLISHED))).toBe("NTS: authenticated, 8 cookies");
    expect(ntsSummary(one(KE_FAILED))).toBe("NTS: NTS-KE FAILED (1 attempt)");
    expect(ntsSummary(one(NAK))).toBe("NTS: cookies refused (NAK), NTS-KE due");
    expect(ntsSummary(one(NOT_NTS))).toBe("NTS: NOT used");
  });
});

describe("planChange: NTS files", () => {
  const manifest = { chronyVersion: "4.3", reloadPolicy: "least-disruptive" } as HostManifest;
  it.each([
    [["nts-cert", "nts-key"], true, "restart"],
    [["nts-key"], true, "restart"],
    [["nts-ca"], true, "restart+nts-ke"],
    [["nts-ca", "sources"], true, "restart+nts-ke"],
    [["nts-ca"], false, "start+nts-ke"],
    [["nts-cert"], false, "start"],
  ] as const)("%j with chronyd running=%s → %s", (changed, running, action) => {
    expect(planChange(manifest, changed, running).action).toBe(action);
  });
});
