import { describe, expect, it } from "vitest";
import { formatKnownHostsLine, hostFieldMatches, knownHostsName, knownKeyTypes, lookupHostKey, parseKnownHosts } from "../../../lib/ssh/known-hosts";
import { HASHED_A_127_0_0_11_2201, HASHED_B_HOST_EXAMPLE, KEY_A, KEY_B, KEY_ECDSA, KEY_RSA, blobOf } from "./fixtures";

describe("knownHostsName", () => {
  it("is the bare host on port 22 and [host]:port otherwise, lower-cased", () => {
    expect(knownHostsName("Host.Example", 22)).toBe("host.example");
    expect(knownHostsName("127.0.0.11", 2201)).toBe("[127.0.0.11]:2201");
    expect(knownHostsName("::1", 2222)).toBe("[::1]:2222");
  });
});

describe("parseKnownHosts", () => {
  it("reads plain, hashed and marker lines and skips comments, blanks and junk", () => {
    const text = [
      "# a comment",
      "",
      `[127.0.0.11]:2201 ${KEY_A.line} comment words`,
      HASHED_B_HOST_EXAMPLE,
      `@revoked * ${KEY_RSA.line}`,
      `@cert-authority *.example ${KEY_ECDSA.line}`,
      `@unknown-marker host ${KEY_A.line}`,
      "host-only-one-field",
      "host ssh-ed25519 not*base64",
      `host ssh-rsa ${KEY_A.line.split(" ")[1]}`,
      `   indented ${KEY_B.line}\r`,
    ].join("\n");
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => [e.lineNumber, e.marker, e.hosts, e.keyType])).toEqual([
      [3, undefined, "[127.0.0.11]:2201", "ssh-ed25519"],
      [4, undefined, HASHED_B_HOST_EXAMPLE.split(" ")[0], "ssh-ed25519"],
      [5, "revoked", "*", "ssh-rsa"],
      [6, "cert-authority", "*.example", "ecdsa-sha2-nistp256"],
      [11, undefined, "indented", "ssh-ed25519"],
    ]);
    expect(entries[0].keyBlob.equals(blobOf(KEY_A.line))).toBe(true);
  });

  it("does not crash on arbitrary text", () => {
    expect(parseKnownHosts("@\n@@ @ @\n|1|||\n\0\0\0 x y z\n[]:: a b")).toEqual([]);
  });
});

describe("hostFieldMatches", () => {
  it("matches comma-separated lists, case-insensitively", () => {
    expect(hostFieldMatches("a.example,B.example", "b.example")).toBe(true);
    expect(hostFieldMatches("a.example,b.example", "c.example")).toBe(false);
  });

  it("keeps [host]:port apart from the bare host", () => {
    expect(hostFieldMatches("127.0.0.11", "[127.0.0.11]:2201")).toBe(false);
    expect(hostFieldMatches("[127.0.0.11]:2201", "127.0.0.11")).toBe(false);
    expect(hostFieldMatches("[127.0.0.11]:2202", "[127.0.0.11]:2201")).toBe(false);
    expect(hostFieldMatches("[127.0.0.11]:2201", "[127.0.0.11]:2201")).toBe(true);
  });

  it("supports * and ? wildcards and !negation", () => {
    expect(hostFieldMatches("*.example", "a.example")).toBe(true);
    expect(hostFieldMatches("h?.example", "h1.example")).toBe(true);
    expect(hostFieldMatches("h?.example", "h10.example")).toBe(false);
    expect(hostFieldMatches("*.example,!bad.example", "bad.example")).toBe(false);
    expect(hostFieldMatches("[127.0.0.*]:2201", "[127.0.0.12]:2201")).toBe(true);
    expect(hostFieldMatches("!only-negated", "other")).toBe(false);
  });

  it("matches hashed names exactly, port form included", () => {
    const a = HASHED_A_127_0_0_11_2201.split(" ")[0];
    const b = HASHED_B_HOST_EXAMPLE.split(" ")[0];
    expect(hostFieldMatches(a, "[127.0.0.11]:2201")).toBe(true);
    expect(hostFieldMatches(a, "127.0.0.11")).toBe(false);
    expect(hostFieldMatches(b, "host.example")).toBe(true);
    expect(hostFieldMatches(b, "[host.example]:22")).toBe(false);
    expect(hostFieldMatches("|1|bad|salt|x", "host.example")).toBe(false);
  });
});

describe("lookupHostKey", () => {
  const file = parseKnownHosts(
    [
      `[127.0.0.11]:2201 ${KEY_A.line}`,
      HASHED_B_HOST_EXAMPLE,
      `multi.example ${KEY_A.line}`,
      `multi.example ${KEY_RSA.line}`,
      `@revoked * ${KEY_ECDSA.line}`,
      `@cert-authority * ${KEY_B.line}`,
    ].join("\n"),
  );

  it("finds a plain entry in [host]:port form", () => {
    const r = lookupHostKey(file, "[127.0.0.11]:2201", blobOf(KEY_A.line));
    expect(r.kind).toBe("known");
  });

  it("finds a hashed entry", () => {
    expect(lookupHostKey(file, "host.example", blobOf(KEY_B.line)).kind).toBe("known");
  });

  it("accepts any of several keys listed for one host", () => {
    expect(lookupHostKey(file, "multi.example", blobOf(KEY_A.line)).kind).toBe("known");
    expect(lookupHostKey(file, "multi.example", blobOf(KEY_RSA.line)).kind).toBe("known");
  });

  it("reports a changed key with the keys it expected", () => {
    const r = lookupHostKey(file, "[127.0.0.11]:2201", blobOf(KEY_B.line));
    expect(r.kind).toBe("changed");
    if (r.kind === "changed") expect(r.expected.map((e) => e.lineNumber)).toEqual([1]);
  });

  it("treats a key of a type the host is not known with as changed", () => {
    const r = lookupHostKey(file, "host.example", blobOf(KEY_RSA.line));
    expect(r.kind).toBe("changed");
  });

  it("refuses a revoked key even where it would otherwise be unknown", () => {
    const r = lookupHostKey(file, "[127.0.0.99]:22", blobOf(KEY_ECDSA.line));
    expect(r.kind).toBe("revoked");
    if (r.kind === "revoked") expect(r.entry.lineNumber).toBe(5);
  });

  it("refuses a revoked key even when a plain line also lists it", () => {
    const both = parseKnownHosts(`h.example ${KEY_A.line}\n@revoked h.example ${KEY_A.line}`);
    expect(lookupHostKey(both, "h.example", blobOf(KEY_A.line)).kind).toBe("revoked");
  });

  it("never trusts @cert-authority lines as host keys", () => {
    expect(lookupHostKey(file, "other.example", blobOf(KEY_B.line)).kind).toBe("unknown");
  });

  it("reports an unknown host", () => {
    expect(lookupHostKey(file, "[127.0.0.11]:2202", blobOf(KEY_A.line)).kind).toBe("unknown");
    expect(lookupHostKey([], "x", blobOf(KEY_A.line)).kind).toBe("unknown");
  });
});

describe("knownKeyTypes and formatKnownHostsLine", () => {
  it("lists the key types known for a host", () => {
    const file = parseKnownHosts(`m ${KEY_A.line}\nm ${KEY_RSA.line}\nm ${KEY_B.line}\n@revoked m ${KEY_ECDSA.line}`);
    expect(knownKeyTypes(file, "m")).toEqual(["ssh-ed25519", "ssh-rsa"]);
  });

  it("writes the line OpenSSH would, and it parses back", () => {
    const line = formatKnownHostsLine("127.0.1.11", 2201, "ssh-ed25519", blobOf(KEY_A.line));
    expect(line).toBe(`[127.0.1.11]:2201 ${KEY_A.line}`);
    expect(lookupHostKey(parseKnownHosts(line), "[127.0.1.11]:2201", blobOf(KEY_A.line)).kind).toBe("known");
  });
});
