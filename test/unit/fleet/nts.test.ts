import { describe, expect, it } from "vitest";
import {
  compileFleet,
  FleetDeclaration,
  KeyFingerprints,
  NtsAuthorityDeclaration,
  NtsCertificateDeclaration,
  SourceDeclaration,
} from "../../../lib/fleet";
import type { NtsMaterial } from "../../../lib/fleet/nts";
import { buildChronyConfig } from "../../../lib/model/chrony-config";
import { hostDeclaration as host } from "./host-declaration";

// The compiler's NTS distribution on plain data: the material is faked (no key store, no keys), so
// these tests see exactly what the compiler decides: who holds which certificate for which names,
// who trusts which CA, which lines and files follow, and what synth can foresee failing.

const noKeys: KeyFingerprints = {
  saltSpec: { kind: "env", variable: "TEST_SALT" },
  fingerprint: () => ({ fingerprint: `hmac-sha256:${"0".repeat(32)}`, warnings: [] }),
};

const facts = (subject: string, issuer: string, names: string[]) => ({
  subject,
  issuer,
  names,
  notBefore: "2030-01-01T00:00:00.000Z",
  notAfter: "2031-01-01T00:00:00.000Z",
  sha256: `sha256:${"a".repeat(64)}`,
});

/** Issues "certificates" that name exactly what they are asked for; records the requests. */
function fakeMaterial(requests: Array<{ ref: string; names: readonly string[] }> = []): NtsMaterial {
  return {
    authority: (a) => ({ pem: `-----CA ${a.name}-----\n`, facts: facts(`CN=${a.commonName}`, `CN=${a.commonName}`, []) }),
    certificate: (c, names, a) => {
      requests.push({ ref: c.ref, names });
      const brought = !a;
      return {
        pem: `-----CERT ${c.ref}-----\n`,
        facts: facts(`CN=${names[0]}`, brought ? "CN=Some Public CA" : `CN=${a.commonName}`, brought ? ["ntp.example.com"] : [...names]),
        keySource: brought ? { kind: "file", path: "pki/a.key" } : { kind: "keyStore", dir: ".chrony-keys", file: `nts/${a.name}/x.key` },
        keyFingerprint: `hmac-sha256:${"1".repeat(32)}`,
        warnings: [],
      };
    },
  };
}

const ca = (name: string): NtsAuthorityDeclaration => ({
  ref: `app/${name}`,
  keyStore: ".chrony-keys",
  name,
  commonName: `${name} CA`,
  validityDays: 3650,
  renewBeforeDays: 30,
  hardLimitDays: 7,
});
const issued = (ref: string, authority: string, extraNames: string[] = []): NtsCertificateDeclaration => ({
  ref,
  issuer: { authority, extraNames, validityDays: 365 },
  renewBeforeDays: 30,
  hardLimitDays: 7,
});
const nts = (to: string, extra: Partial<SourceDeclaration["options"]> = {}): SourceDeclaration => ({
  kind: "server",
  to: { host: to },
  options: { iburst: true, nts: true, ...extra },
});

function compile(fleet: Partial<FleetDeclaration>, material = fakeMaterial()) {
  const out = compileFleet({ hosts: [], keys: [], rotations: [], ...fleet }, noKeys, { generator: "test", nts: material });
  return Object.fromEntries(out.hosts.map((h) => [h.id, h]));
}

const file = (h: { manifest: { files: Array<{ role: string; content: string }> } }, role: string) =>
  h.manifest.files.find((f) => f.role === role)?.content;

describe("compileFleet: NTS certificates and trust", () => {
  it("issues each server a certificate for the address its clients use, and makes its clients trust the issuer", () => {
    const requests: Array<{ ref: string; names: readonly string[] }> = [];
    const hosts = [
      host(1, { nts: { certificate: "app/c1" }, config: buildChronyConfig({ ntsPort: 14460 }) }),
      host(2, { nts: { certificate: "app/c2" } }),
      host(3, { sources: [nts("app/h1"), nts("app/h2")] }),
      host(4, { sources: [{ kind: "server", to: { host: "app/h1" }, options: {} }] }),
    ];
    const m = compile(
      { hosts, ntsAuthorities: [ca("lab")], ntsCertificates: [issued("app/c1", "app/lab", ["ntp-1.example.test"]), issued("app/c2", "app/lab")] },
      fakeMaterial(requests),
    );
    expect(requests).toEqual([
      { ref: "app/c1", names: ["10.0.0.1", "ntp-1.example.test"] },
      { ref: "app/c2", names: ["10.0.0.2"] },
    ]);
    expect(file(m.h1, "conf")).toContain("\nntsport 14460\nntsserverkey /etc/chrony/nts/server.key\nntsservercert /etc/chrony/nts/server.crt\n");
    expect(file(m.h1, "nts-cert")).toBe("-----CERT app/c1-----\n");
    expect(m.h1.manifest.nts!.key).toEqual({
      path: "/etc/chrony/nts/server.key",
      owner: "root",
      group: "_chrony",
      mode: 0o640,
      source: { kind: "keyStore", dir: ".chrony-keys", file: "nts/lab/x.key" },
      fingerprint: `hmac-sha256:${"1".repeat(32)}`,
    });
    expect(m.h1.manifest.nts!.certificates).toEqual([
      expect.objectContaining({
        role: "server",
        name: "app/c1",
        issuedBy: "app/lab",
        requiredNames: ["10.0.0.1", "ntp-1.example.test"],
        renewBeforeDays: 30,
        hardLimitDays: 7,
      }),
    ]);
    // The client: its lines follow the server's NTS-KE port; it trusts the lab CA, and nothing more is implied.
    expect(file(m.h3, "sources")).toContain("\nserver 10.0.0.1 iburst nts ntsport 14460\nserver 10.0.0.2 iburst nts\n");
    expect(file(m.h3, "conf")).toContain("\nntstrustedcerts /etc/chrony/nts/trusted-cas.pem\n");
    expect(file(m.h3, "conf")).not.toContain("nosystemcert");
    expect(file(m.h3, "nts-ca")).toBe("-----CA lab-----\n");
    expect(m.h3.manifest.nts).toEqual({
      certificates: [expect.objectContaining({ role: "trusted", name: "app/lab", subject: "CN=lab CA", path: "/etc/chrony/nts/trusted-cas.pem" })],
    });
    expect(m.h3.manifest.verify.sources).toEqual([
      { kind: "server", name: "10.0.0.1", nts: true },
      { kind: "server", name: "10.0.0.2", nts: true },
    ]);
    // A client without NTS gets nothing of it; the server's triggers follow its key.
    expect(m.h4.manifest.nts).toBeUndefined();
    expect(m.h4.manifest.files.map((f) => f.role)).toEqual(["conf", "sources"]);
    expect(Object.keys(m.h1.triggers).sort()).toEqual(["files", "keys", "nts", "target"]);
    expect(Object.keys(m.h3.triggers).sort()).toEqual(["files", "keys", "target"]);
    expect(JSON.stringify(m)).not.toMatch(/PRIVATE KEY/);
  });

  it("sorts the trusted CAs, writes nosystemcert only when asked, and takes explicit trust", () => {
    const hosts = [
      host(1, { nts: { certificate: "app/c1" } }),
      host(2, { nts: { certificate: "app/c2" } }),
      host(3, {
        sources: [nts("app/h2"), nts("app/h1")],
        config: buildChronyConfig({ noSystemCert: true }),
        nts: { trustedAuthorities: ["app/extra"] },
      }),
    ];
    const m = compile({
      hosts,
      ntsAuthorities: [ca("zeta"), ca("alpha"), ca("extra")],
      ntsCertificates: [issued("app/c1", "app/zeta"), issued("app/c2", "app/alpha")],
    });
    expect(file(m.h3, "nts-ca")).toBe("-----CA alpha-----\n-----CA extra-----\n-----CA zeta-----\n");
    expect(file(m.h3, "conf")).toContain("\nnosystemcert\nntstrustedcerts /etc/chrony/nts/trusted-cas.pem\n");
  });

  it("foresees an NTS source that will not authenticate: an issuer the client does not trust, a name its certificate lacks", () => {
    const hosts = [
      host(1, { nts: { certificate: "app/c1" } }),
      host(2, { nts: { certificate: "app/brought" } }),
      // Named by address, the server's CA is not trusted automatically.
      host(3, {
        sources: [{ kind: "server", to: { address: "10.0.0.1" }, options: { nts: true } }],
        config: buildChronyConfig({ noSystemCert: true }),
        nts: { trustedAuthorities: ["app/other"] },
      }),
      host(4, { sources: [nts("app/h2")] }),
    ];
    const m = compile({
      hosts,
      ntsAuthorities: [ca("lab"), ca("other")],
      ntsCertificates: [
        issued("app/c1", "app/lab"),
        {
          ref: "app/brought",
          issuer: { certificate: { kind: "file", path: "pki/a.pem" }, privateKey: { kind: "file", path: "pki/a.key" } },
          renewBeforeDays: 30,
          hardLimitDays: 7,
        },
      ],
    });
    expect(m.h3.manifest.verify.sources[0].ntsProblem).toBe(
      "its certificate is issued by 'CN=lab CA' (app/lab), which this host does not trust (it trusts 'CN=other CA')",
    );
    expect(m.h3.warnings).toContain(
      "host h3: server 10.0.0.1 uses NTS, but NTS-KE will fail: its certificate is issued by 'CN=lab CA' (app/lab), which this host does not trust (it trusts 'CN=other CA')",
    );
    expect(m.h4.manifest.verify.sources[0].ntsProblem).toBe("its certificate does not name 10.0.0.2 (it names ntp.example.com)");
    expect(m.h2.warnings).toContain(
      "host h2: NTS certificate app/brought does not name 10.0.0.2, which its clients use: apply will refuse it until it does",
    );
    // A brought certificate leaves trust to the system CAs: the client gets no trust file.
    expect(m.h4.manifest.files.map((f) => f.role)).toEqual(["conf", "sources"]);
  });

  it("refuses an NTS source to an app host that serves no NTS, and certificates or authorities the app does not declare", () => {
    expect(() => compile({ hosts: [host(1), host(2, { sources: [nts("app/h1")] })] })).toThrow(
      "host h2: its server 10.0.0.1 (host h1) is used with NTS, but h1 is not an NTS server: give h1 an ntsCertificate (an NtsCertificateAuthority or an NtsCertificate)",
    );
    // ntsServerKeys naming files already on the host: an NTS server the app does not manage.
    const raw = host(1, { config: buildChronyConfig({ ntsServerKeys: [{ keyFile: "/etc/ssl/k.pem", certFile: "/etc/ssl/c.pem" }] }) });
    expect(compile({ hosts: [raw, host(2, { sources: [nts("app/h1")] })] }).h2.manifest.verify.sources[0].ntsProblem).toBeUndefined();
    expect(() => compile({ hosts: [host(1, { nts: { certificate: "app/nope" } })] })).toThrow(
      "host h1: its NTS certificate app/nope is not declared in the app",
    );
    expect(() => compile({ hosts: [host(1, { nts: { trustedAuthorities: ["app/nope"] } })] })).toThrow(
      "host h1: trusted NTS authority app/nope is not declared in the app",
    );
    expect(() => compile({ hosts: [], ntsAuthorities: [ca("lab"), { ...ca("lab"), ref: "app/lab2" }] })).toThrow(
      "NTS authorities app/lab and app/lab2 have the same name 'lab' in key store .chrony-keys: give one another name",
    );
  });

  it("gives a certificate held by two hosts both their addresses", () => {
    const requests: Array<{ ref: string; names: readonly string[] }> = [];
    compile(
      {
        hosts: [host(1, { nts: { certificate: "app/c" } }), host(2, { nts: { certificate: "app/c" } })],
        ntsAuthorities: [ca("lab")],
        ntsCertificates: [issued("app/c", "app/lab")],
      },
      fakeMaterial(requests),
    );
    expect(requests).toEqual([{ ref: "app/c", names: ["10.0.0.1", "10.0.0.2"] }]);
  });
});
