import { X509Certificate, createPrivateKey } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuthoritySpec, issueOrReuse, loadAuthority } from "../../../lib/keys/nts/authority";
import { certificateFacts, daysLeft, readCertificates } from "../../../lib/keys/nts/certificate-facts";
import { serverCertificateProblems } from "../../../lib/keys/nts/check-server-certificate";
import { ntsKeyFingerprint, privateKeyPem, resolveNtsPrivateKey } from "../../../lib/keys/nts/private-key";
import { certificateFileName, projectNtsMaterial } from "../../../lib/keys/nts/project-nts";

// The private CA in a project's key store: issuance that re-synth does not repeat, renewal, and the
// checks synth and apply share. Real keys and certificates, no mocks.

let dir: string;
const spec: AuthoritySpec = { keyStore: ".chrony-keys", name: "lab", commonName: "Lab NTS CA", validityDays: 3650 };
const day = 86_400_000;
const t0 = new Date("2030-01-01T00:00:00Z");

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "nts-keys-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const request = (names: string[], now = t0) => ({ certificateName: "server-a", names, validityDays: 90, renewBeforeDays: 30, now });

describe("a private CA in the key store", () => {
  it("is created once, 0600 key in a 0700 folder; a deploy that finds none stops with the fix", () => {
    expect(() => loadAuthority(spec, dir, { create: false })).toThrow(
      /^NTS authority lab: \S+ca\.key is missing: copy the project's key store from where synth ran, or run synth \(or 'cdktf-chrony ca init lab'\) first$/,
    );
    const a = loadAuthority(spec, dir, { create: true, now: t0 });
    expect(a.created).toBe(true);
    expect(certificateFacts(a.certificate)).toMatchObject({ subject: "CN=Lab NTS CA", issuer: "CN=Lab NTS CA", names: [] });
    expect(a.certificate.ca).toBe(true);
    expect(fs.statSync(path.join(dir, ".chrony-keys/nts/lab")).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, ".chrony-keys/nts/lab/ca.key")).mode & 0o777).toBe(0o600);
    const again = loadAuthority(spec, dir, { create: true });
    expect(again.created).toBe(false);
    expect(again.pem).toBe(a.pem);
  });

  it("issues an EC P-256 server certificate for IP and DNS names, chained to the CA, and reuses it on re-synth", () => {
    const a = loadAuthority(spec, dir, { create: true, now: t0 });
    const first = issueOrReuse(a, spec, request(["192.0.2.1", "ntp-a.example.test"]));
    expect(first.issued).toBe("none was issued yet");
    expect(first.keySource).toEqual({ kind: "keyStore", dir: ".chrony-keys", file: "nts/lab/server-a.key" });
    const cert = new X509Certificate(first.pem);
    expect(cert.checkIssued(a.certificate) && cert.verify(a.certificate.publicKey)).toBe(true);
    expect(cert.checkIP("192.0.2.1")).toBe("192.0.2.1");
    expect(cert.checkHost("ntp-a.example.test")).toBe("ntp-a.example.test");
    expect(cert.ca).toBe(false);
    expect(cert.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: "prime256v1" });
    expect(daysLeft(certificateFacts(cert), t0)).toBe(90);
    const key = resolveNtsPrivateKey(first.keySource, dir, "test");
    expect(cert.checkPrivateKey(key)).toBe(true);
    const reused = issueOrReuse(a, spec, request(["ntp-a.example.test", "192.0.2.1"], new Date(t0.getTime() + 30 * day)));
    expect(reused.issued).toBeUndefined();
    expect(reused.pem).toBe(first.pem);
  });

  it("re-issues (with a new key) when the names change, near expiry, or when the CA changed", () => {
    const a = loadAuthority(spec, dir, { create: true, now: t0 });
    const first = issueOrReuse(a, spec, request(["192.0.2.1"]));
    const key1 = fs.readFileSync(path.join(dir, ".chrony-keys/nts/lab/server-a.key"), "utf8");
    const renamed = issueOrReuse(a, spec, request(["192.0.2.1", "192.0.2.2"]));
    expect(renamed.issued).toBe("its names changed (192.0.2.1 → 192.0.2.1, 192.0.2.2)");
    expect(fs.readFileSync(path.join(dir, ".chrony-keys/nts/lab/server-a.key"), "utf8")).not.toBe(key1);
    const nearEnd = issueOrReuse(a, spec, request(["192.0.2.1", "192.0.2.2"], new Date(t0.getTime() + 61 * day)));
    expect(nearEnd.issued).toBe("it expires in 29 day(s), within renewBeforeDays 30");
    fs.rmSync(path.join(dir, ".chrony-keys/nts/lab/ca.key"));
    const b = loadAuthority(spec, dir, { create: true, now: t0 });
    expect(issueOrReuse(b, spec, request(["192.0.2.1", "192.0.2.2"], new Date(t0.getTime() + 61 * day))).issued).toBe("the authority changed");
    void first;
  });

  it("keeps every private key out of what synth returns: the material gives the chain, facts, key source and a keyed fingerprint", () => {
    process.env.NTS_TEST_SALT = "salt";
    const material = projectNtsMaterial(dir, { kind: "env", variable: "NTS_TEST_SALT" }, () => t0);
    const authority = { ref: "app/Lab", ...spec };
    const r = material.certificate(
      { ref: "app/server-a/NtsCertificate", issuer: { authority: "app/Lab", extraNames: [], validityDays: 90 }, renewBeforeDays: 30 },
      ["192.0.2.1"],
      authority,
    );
    const key = createPrivateKey(
      fs.readFileSync(path.join(dir, ".chrony-keys/nts/lab", `${certificateFileName("app/server-a/NtsCertificate")}.key`), "utf8"),
    );
    const der = key.export({ type: "pkcs8", format: "der" });
    const text = JSON.stringify(r);
    expect(text).not.toContain("PRIVATE KEY");
    expect(text).not.toContain(der.toString("base64").slice(40, 80));
    expect(r.keyFingerprint).toBe(ntsKeyFingerprint(Buffer.from("salt"), key));
    expect(r.keyFingerprint).toMatch(/^hmac-sha256:[0-9a-f]{32}$/);
    expect(r.facts.names).toEqual(["192.0.2.1"]);
    expect(material.authority(authority).facts.subject).toBe("CN=Lab NTS CA");
  });
});

describe("the checks synth and apply share", () => {
  it("names a wrong key, an expired certificate and each missing name", () => {
    const a = loadAuthority(spec, dir, { create: true, now: t0 });
    const issued = issueOrReuse(a, spec, request(["192.0.2.1"]));
    const chain = readCertificates(issued.pem, "test");
    loadAuthority({ ...spec, name: "other" }, dir, { create: true });
    const otherKey = createPrivateKey(fs.readFileSync(path.join(dir, ".chrony-keys/nts/other/ca.key"), "utf8"));
    expect(serverCertificateProblems(chain, resolveNtsPrivateKey(issued.keySource, dir, "t"), ["192.0.2.1"], t0)).toEqual([]);
    expect(serverCertificateProblems(chain, otherKey, ["192.0.2.1", "ntp.example.test"], new Date(t0.getTime() + 100 * day))).toEqual([
      "the private key does not match the certificate: give the key the certificate was issued for",
      expect.stringMatching(/^the certificate expired on 2030-04-01T00:00:00\.000Z: renew it$/),
      "the certificate does not name ntp.example.test, which its clients use (it names 192.0.2.1): issue it with that name",
    ]);
  });

  it("reads private keys from env, file and command without ever echoing them", () => {
    const a = loadAuthority(spec, dir, { create: true, now: t0 });
    const issued = issueOrReuse(a, spec, request(["192.0.2.1"]));
    const pem = privateKeyPem(resolveNtsPrivateKey(issued.keySource, dir, "t"));
    fs.writeFileSync(path.join(dir, "a.key"), pem);
    process.env.NTS_TEST_KEY = pem;
    for (const source of [
      { kind: "file" as const, path: "a.key" },
      { kind: "env" as const, variable: "NTS_TEST_KEY" },
      { kind: "command" as const, argv: ["cat", "a.key"] },
    ]) {
      expect(privateKeyPem(resolveNtsPrivateKey(source, dir, "t"))).toBe(pem);
    }
    process.env.NTS_TEST_KEY = pem.replace(/[A-Za-z]{10}/, "xxxxxxxxxx");
    let message = "";
    try {
      resolveNtsPrivateKey({ kind: "env", variable: "NTS_TEST_KEY" }, dir, "NtsCertificate x");
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(
      "NtsCertificate x (env NTS_TEST_KEY): not a PEM private key (unencrypted PKCS#8, SEC1 or PKCS#1): give the key without a passphrase",
    );
    delete process.env.NTS_TEST_KEY;
    expect(() => resolveNtsPrivateKey({ kind: "env", variable: "NTS_TEST_KEY" }, dir, "NtsCertificate x")).toThrow(
      "NtsCertificate x (env NTS_TEST_KEY): NTS_TEST_KEY is not set: export the PEM private key in it",
    );
  });
});
