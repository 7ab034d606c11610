import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { keyFingerprint } from "../../../lib/keys/fingerprint";
import { checkKeyMaterial, decodeKeyMaterial, keyLine } from "../../../lib/keys/key-material";
import { generateKey, parseKeygenArgs } from "../../../lib/keys/keygen";
import { resolveKeyMaterial } from "../../../lib/keys/resolve-key";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keys-test-"));
afterEach(() => {
  delete process.env.TEST_NTP_KEY;
});

describe("generateKey", () => {
  it("follows chronyc keygen's defaults: ID 1, SHA1, 160 bits, upper-case HEX", () => {
    const key = generateKey();
    expect(key.line).toMatch(/^1 SHA1 HEX:[0-9A-F]{40}$/);
  });

  it("rounds bits up to bytes and clamps the length to 10..512 bytes", () => {
    expect(generateKey({ id: 3, type: "MD5", bits: 8 }).material.length).toBe(10);
    expect(generateKey({ type: "SHA256", bits: 257 }).material.length).toBe(33);
    expect(generateKey({ type: "SHA512", bits: 99999 }).material.length).toBe(512);
  });

  it("gives AES keys their exact size whatever the bits", () => {
    expect(generateKey({ type: "AES128", bits: 8 }).material.length).toBe(16);
    expect(generateKey({ type: "AES256" }).material.length).toBe(32);
  });

  it("fails on unknown and lower-case types as chronyc does", () => {
    expect(() => generateKey({ type: "sha1" })).toThrow(/^unknown hash function or cipher 'sha1': use one of MD5, SHA1/);
    expect(() => generateKey({ type: "TIGER" })).toThrow(/unknown hash function or cipher 'TIGER'/);
  });

  it("parses arguments like chronyc and rejects garbage with the value", () => {
    expect(parseKeygenArgs(["5", "SHA256", "256"])).toEqual({ id: 5, type: "SHA256", bits: 256 });
    expect(() => parseKeygenArgs(["x"])).toThrow("invalid key ID 'x': use a whole number from 1 to 4294967295");
    expect(() => parseKeygenArgs(["1", "SHA1", "160", "4"])).toThrow("keygen takes at most 3 arguments (ID TYPE BITS), got 4");
  });
});

describe("key material", () => {
  it("decodes HEX, ASCII and bare notation", () => {
    expect(decodeKeyMaterial(1, "HEX:0aFF")).toEqual(Buffer.from([0x0a, 0xff]));
    expect(decodeKeyMaterial(1, "ASCII:abc")).toEqual(Buffer.from("abc"));
    expect(decodeKeyMaterial(1, "abc")).toEqual(Buffer.from("abc"));
  });

  it("fails on bad HEX without echoing it", () => {
    try {
      decodeKeyMaterial(9, "HEX:ABC");
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toBe(
        `key 9: HEX material must be an even number of hexadecimal digits (chronyd would log "Could not decode key 9"): regenerate it with 'cdktf-chrony keygen 9'`,
      );
    }
  });

  it("errors on a wrong AES length and warns on a key chronyd finds too short", () => {
    expect(checkKeyMaterial(4, "AES128", Buffer.alloc(10)).errors[0]).toMatch(/AES128 needs exactly 128 bits, got 80/);
    expect(checkKeyMaterial(4, "SHA1", Buffer.alloc(9)).warnings[0]).toMatch(/72 bits is shorter than chrony's minimum of 80 .*"Key 4 is too short"/);
    expect(checkKeyMaterial(4, "SHA1", Buffer.alloc(10))).toEqual({ errors: [], warnings: [] });
  });

  it("writes a chrony.keys line", () => {
    expect(keyLine(7, "SHA256", Buffer.from([1, 2, 0xab]))).toBe("7 SHA256 HEX:0102AB");
  });
});

describe("keyFingerprint", () => {
  it("depends on the salt, so it cannot be precomputed for guessed keys", () => {
    const material = Buffer.from("password12");
    const a = keyFingerprint(Buffer.from("salt-a"), 1, "MD5", material);
    const b = keyFingerprint(Buffer.from("salt-b"), 1, "MD5", material);
    expect(a).toMatch(/^hmac-sha256:[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
    expect(keyFingerprint(Buffer.from("salt-a"), 1, "MD5", material)).toBe(a);
  });
});

const SYNTH = { createInKeyStore: true };

describe("resolveKeyMaterial", () => {
  it("reads an environment variable, a file, a key store and a command", () => {
    process.env.TEST_NTP_KEY = "HEX:00112233445566778899";
    expect(resolveKeyMaterial({ id: 1, type: "SHA1", source: { kind: "env", variable: "TEST_NTP_KEY" } }, tmp, SYNTH).length).toBe(10);
    fs.writeFileSync(path.join(tmp, "k.txt"), "ASCII:abcdefghijkl\n");
    expect(resolveKeyMaterial({ id: 1, type: "SHA1", source: { kind: "file", path: "k.txt" } }, tmp, SYNTH).toString()).toBe("abcdefghijkl");
    const stored = resolveKeyMaterial({ id: 5, type: "SHA256", source: { kind: "keyStore", dir: "store" } }, tmp, SYNTH);
    expect(stored.length).toBe(20);
    expect(fs.statSync(path.join(tmp, "store/key-5.line")).mode & 0o777).toBe(0o600);
    expect(resolveKeyMaterial({ id: 5, type: "SHA256", source: { kind: "keyStore", dir: "store" } }, tmp, SYNTH)).toEqual(stored);
    expect(
      resolveKeyMaterial({ id: 1, type: "SHA1", source: { kind: "command", argv: ["echo", "HEX:AABBCCDDEEFF00112233"] } }, tmp, SYNTH).length,
    ).toBe(10);
  });

  it("names the key and its source when the material is missing", () => {
    expect(() => resolveKeyMaterial({ id: 3, type: "SHA1", source: { kind: "env", variable: "TEST_NTP_KEY" } }, tmp, SYNTH)).toThrow(
      "key 3 (env TEST_NTP_KEY): the variable is not set: export TEST_NTP_KEY=HEX:... (generate one with 'cdktf-chrony keygen 3 SHA1')",
    );
    expect(() => resolveKeyMaterial({ id: 3, type: "SHA1", source: { kind: "file", path: "missing.txt" } }, tmp, SYNTH)).toThrow(
      /^key 3 \(file missing\.txt\): cannot read .*missing\.txt \(ENOENT\)/,
    );
    expect(() => resolveKeyMaterial({ id: 3, type: "SHA1", source: { kind: "command", argv: ["false"] } }, tmp, SYNTH)).toThrow(
      "key 3 (command false): it exited with code 1: run the command by hand to check it prints the key",
    );
    expect(() => resolveKeyMaterial({ id: 3, type: "SHA1", source: { kind: "command", argv: ["no-such-program-xyz"] } }, tmp, SYNTH)).toThrow(
      /the program was not found/,
    );
  });

  it("refuses a stored key whose type changed", () => {
    resolveKeyMaterial({ id: 8, type: "SHA1", source: { kind: "keyStore", dir: "store" } }, tmp, SYNTH);
    expect(() => resolveKeyMaterial({ id: 8, type: "SHA512", source: { kind: "keyStore", dir: "store" } }, tmp, SYNTH)).toThrow(
      /key 8 in key store .* is SHA1, but the app declares SHA512/,
    );
  });

  it("never generates a key-store key on the deploy side: a missing one is an error naming the file", () => {
    expect(() => resolveKeyMaterial({ id: 9, type: "SHA1", source: { kind: "keyStore", dir: "store" } }, tmp, { createInKeyStore: false })).toThrow(
      /^key 9 is not in the key store .*store \(.*key-9\.line is missing\): copy the project's key store from where synth ran, or run synth here first; a deploy never generates keys$/,
    );
    expect(fs.existsSync(path.join(tmp, "store", "key-9.line"))).toBe(false);
  });
});
