import { describe, expect, it } from "vitest";
import { normalizeSha256Fingerprint, sha256Fingerprint } from "../../../lib/ssh/fingerprint";
import { keyTypeOfBlob } from "../../../lib/ssh/key-blob";
import { KEY_A, KEY_ECDSA, KEY_RSA, blobOf } from "./fixtures";

describe("sha256Fingerprint", () => {
  it("matches ssh-keygen -lf for ed25519, RSA and ECDSA keys", () => {
    for (const key of [KEY_A, KEY_RSA, KEY_ECDSA]) {
      expect(sha256Fingerprint(blobOf(key.line))).toBe(key.fingerprint);
    }
  });

  it("has no base64 padding", () => {
    expect(sha256Fingerprint(Buffer.from("x"))).not.toMatch(/=$/);
  });
});

describe("normalizeSha256Fingerprint", () => {
  it("accepts the ssh-keygen form and a padded one", () => {
    expect(normalizeSha256Fingerprint(KEY_A.fingerprint)).toBe(KEY_A.fingerprint);
    expect(normalizeSha256Fingerprint(`${KEY_A.fingerprint}=`)).toBe(KEY_A.fingerprint);
    expect(normalizeSha256Fingerprint(` ${KEY_A.fingerprint}\n`)).toBe(KEY_A.fingerprint);
  });

  it("fails on MD5, hex and truncated fingerprints, quoting the value", () => {
    expect(() => normalizeSha256Fingerprint("MD5:12:34")).toThrow(/invalid host key fingerprint 'MD5:12:34'.*ssh-keygen -lf/);
    expect(() => normalizeSha256Fingerprint("SHA256:abc")).toThrow(/'SHA256:abc'/);
    expect(() => normalizeSha256Fingerprint(KEY_A.fingerprint.slice(7))).toThrow(/expected 'SHA256:'/);
  });
});

describe("keyTypeOfBlob", () => {
  it("reads the type from the blob", () => {
    expect(keyTypeOfBlob(blobOf(KEY_A.line))).toBe("ssh-ed25519");
    expect(keyTypeOfBlob(blobOf(KEY_RSA.line))).toBe("ssh-rsa");
    expect(keyTypeOfBlob(blobOf(KEY_ECDSA.line))).toBe("ecdsa-sha2-nistp256");
  });

  it("returns undefined for malformed blobs", () => {
    expect(keyTypeOfBlob(Buffer.alloc(0))).toBeUndefined();
    expect(keyTypeOfBlob(Buffer.from([0, 0, 0, 200, 1, 2]))).toBeUndefined();
    expect(keyTypeOfBlob(Buffer.from([0, 0, 0, 2, 0, 1]))).toBeUndefined();
  });
});
