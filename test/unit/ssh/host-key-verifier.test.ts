import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isSshError } from "../../../lib/ssh/errors";
import { createHostKeyVerifier } from "../../../lib/ssh/host-key-verifier";
import type { HostKeyLearned } from "../../../lib/ssh/types";
import { KEY_A, KEY_B, KEY_RSA, blobOf } from "./fixtures";

const target = { host: "127.0.0.11", port: 2201 };

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isSshError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("expected a refusal");
}

describe("createHostKeyVerifier", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hkv-"));
    file = path.join(dir, "known_hosts");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("accepts a known key and returns its fingerprint", async () => {
    writeFileSync(file, `[127.0.0.11]:2201 ${KEY_A.line}\n`);
    const v = await createHostKeyVerifier(target, { knownHostsPath: file }, undefined);
    await expect(v.verify(blobOf(KEY_A.line))).resolves.toBe(KEY_A.fingerprint);
  });

  it("fails on an unknown host with the fingerprint and three ways to fix it", async () => {
    writeFileSync(file, `[127.0.0.11]:2202 ${KEY_A.line}\n`);
    const v = await createHostKeyVerifier(target, { knownHostsPath: file }, undefined);
    const r = await refusal(v.verify(blobOf(KEY_A.line)));
    expect(r.code).toBe("HOST_KEY_UNKNOWN");
    expect(r.message).toContain("127.0.0.11:2201");
    expect(r.message).toContain(KEY_A.fingerprint);
    expect(r.message).toContain(`ssh-keyscan -p 2201 127.0.0.11 >> ${file}`);
    expect(r.message).toContain(`fingerprint: "${KEY_A.fingerprint}"`);
    expect(r.message).toContain("trustOnFirstUse");
    expect(r.message).not.toContain("\n");
  });

  it("says so when the known_hosts file does not exist", async () => {
    const v = await createHostKeyVerifier(target, { knownHostsPath: file }, undefined);
    const r = await refusal(v.verify(blobOf(KEY_A.line)));
    expect(r.message).toContain("which does not exist");
  });

  it("fails on a changed key with both fingerprints and the ssh-keygen -R fix", async () => {
    writeFileSync(file, `[127.0.0.11]:2201 ${KEY_A.line}\n`);
    const v = await createHostKeyVerifier(target, { knownHostsPath: file }, undefined);
    const r = await refusal(v.verify(blobOf(KEY_B.line)));
    expect(r.code).toBe("HOST_KEY_CHANGED");
    expect(r.message).toBe(
      `host key for 127.0.0.11:2201 CHANGED (expected ${KEY_A.fingerprint}, got ${KEY_B.fingerprint}): possible man-in-the-middle; if the host was reinstalled, remove the old line with \`ssh-keygen -R '[127.0.0.11]:2201' -f ${file}\``,
    );
  });

  it("names key types when the host presents a type it is not known with", async () => {
    writeFileSync(file, `[127.0.0.11]:2201 ${KEY_A.line}\n`);
    const v = await createHostKeyVerifier(target, { knownHostsPath: file }, undefined);
    const r = await refusal(v.verify(blobOf(KEY_RSA.line)));
    expect(r.code).toBe("HOST_KEY_CHANGED");
    expect(r.message).toContain(`expected ssh-ed25519 ${KEY_A.fingerprint}, got ssh-rsa ${KEY_RSA.fingerprint}`);
  });

  it("asks the server for the key types known_hosts holds first", async () => {
    writeFileSync(file, `[127.0.0.11]:2201 ${KEY_RSA.line}\n`);
    const v = await createHostKeyVerifier(target, { knownHostsPath: file }, undefined);
    expect(v.serverHostKeyAlgorithms.slice(0, 3)).toEqual(["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
    expect(v.serverHostKeyAlgorithms).toContain("ssh-ed25519");
  });

  it("fails on a revoked key, even with trust on first use", async () => {
    writeFileSync(file, `@revoked * ${KEY_A.line}\n`);
    const v = await createHostKeyVerifier(target, { knownHostsPath: file, trustOnFirstUse: true }, undefined);
    const r = await refusal(v.verify(blobOf(KEY_A.line)));
    expect(r.code).toBe("HOST_KEY_REVOKED");
    expect(r.message).toContain("@revoked");
    expect(readFileSync(file, "utf8")).toBe(`@revoked * ${KEY_A.line}\n`);
  });

  it("trust on first use appends one line, reports it, and the next check uses it", async () => {
    writeFileSync(file, `other ${KEY_B.line}`);
    const learned: HostKeyLearned[] = [];
    const v = await createHostKeyVerifier(target, { knownHostsPath: file, trustOnFirstUse: true }, (e) => learned.push(e));
    await expect(v.verify(blobOf(KEY_A.line))).resolves.toBe(KEY_A.fingerprint);
    // A second, concurrent session for the same host must not add a duplicate.
    const v2 = await createHostKeyVerifier(target, { knownHostsPath: file, trustOnFirstUse: true }, (e) => learned.push(e));
    await Promise.all([v2.verify(blobOf(KEY_A.line)), v2.verify(blobOf(KEY_A.line))]);
    expect(readFileSync(file, "utf8")).toBe(`other ${KEY_B.line}\n[127.0.0.11]:2201 ${KEY_A.line}\n`);
    expect(learned).toHaveLength(1);
    expect(learned[0]).toMatchObject({ host: "127.0.0.11", port: 2201, fingerprint: KEY_A.fingerprint, knownHostsPath: file });
  });

  it("trust on first use still refuses a changed key", async () => {
    writeFileSync(file, `[127.0.0.11]:2201 ${KEY_A.line}\n`);
    const v = await createHostKeyVerifier(target, { knownHostsPath: file, trustOnFirstUse: true }, () => undefined);
    expect((await refusal(v.verify(blobOf(KEY_B.line)))).code).toBe("HOST_KEY_CHANGED");
  });

  it("trust on first use creates a missing known_hosts file", async () => {
    const nested = path.join(dir, "new", "known_hosts");
    const v = await createHostKeyVerifier(target, { knownHostsPath: nested, trustOnFirstUse: true }, () => undefined);
    await v.verify(blobOf(KEY_A.line));
    expect(readFileSync(nested, "utf8")).toBe(`[127.0.0.11]:2201 ${KEY_A.line}\n`);
  });

  it("accepts a pinned fingerprint and refuses another key", async () => {
    const v = await createHostKeyVerifier(target, { fingerprint: KEY_A.fingerprint }, undefined);
    await expect(v.verify(blobOf(KEY_A.line))).resolves.toBe(KEY_A.fingerprint);
    const r = await refusal(v.verify(blobOf(KEY_B.line)));
    expect(r.code).toBe("HOST_KEY_MISMATCH");
    expect(r.message).toContain(`expected ${KEY_A.fingerprint}, got ${KEY_B.fingerprint}`);
  });

  it("fails on a policy with neither or both forms", async () => {
    await expect(createHostKeyVerifier(target, {} as never, undefined)).rejects.toThrow(
      /exactly one of knownHostsPath or fingerprint \(got neither\)/,
    );
    await expect(createHostKeyVerifier(target, { knownHostsPath: file, fingerprint: KEY_A.fingerprint } as never, undefined)).rejects.toThrow(
      /got both/,
    );
    await expect(createHostKeyVerifier(target, { fingerprint: "SHA256:short" }, undefined)).rejects.toThrow(
      /invalid host key fingerprint 'SHA256:short'/,
    );
  });

  it("reads the system-wide files with the user's, and learns only into the user's", async () => {
    const system = path.join(dir, "ssh_known_hosts");
    writeFileSync(system, `[127.0.0.11]:2201 ${KEY_A.line}\n`);
    const v = await createHostKeyVerifier(target, { knownHostsPath: file, extraKnownHostsPaths: [system] }, undefined);
    await expect(v.verify(blobOf(KEY_A.line))).resolves.toBe(KEY_A.fingerprint);
    const changed = await refusal(v.verify(blobOf(KEY_B.line)));
    expect(changed.code).toBe("HOST_KEY_CHANGED");
    expect(changed.message).toContain(`-f ${system}`);
    const other = { host: "127.0.0.12", port: 2201 };
    const unknown = await refusal(
      (await createHostKeyVerifier(other, { knownHostsPath: file, extraKnownHostsPaths: [system] }, undefined)).verify(blobOf(KEY_A.line)),
    );
    expect(unknown.message).toContain(`is not in ${file}, which does not exist, nor in ${system})`);
    const tofu = await createHostKeyVerifier(other, { knownHostsPath: file, trustOnFirstUse: true, extraKnownHostsPaths: [system] }, () => undefined);
    await tofu.verify(blobOf(KEY_B.line));
    expect(readFileSync(file, "utf8")).toBe(`[127.0.0.12]:2201 ${KEY_B.line}\n`);
    expect(readFileSync(system, "utf8")).toBe(`[127.0.0.11]:2201 ${KEY_A.line}\n`);
  });

  it("explains that a host vouched for only by @cert-authority cannot be checked", async () => {
    writeFileSync(file, `@cert-authority [127.0.0.*]:2201 ${KEY_B.line}\n`);
    const v = await createHostKeyVerifier(target, { knownHostsPath: file, extraKnownHostsPaths: [] }, undefined);
    const r = await refusal(v.verify(blobOf(KEY_A.line)));
    expect(r.code).toBe("HOST_KEY_UNKNOWN");
    expect(r.message).toContain(`is vouched for only by the @cert-authority line 1 of ${file}, and host certificates are not supported`);
    expect(r.message).toContain(`fingerprint: "${KEY_A.fingerprint}"`);
  });
});
