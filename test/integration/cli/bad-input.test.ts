import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChronyHost, KeySource, NtpKey } from "../../../constructs";
import { runCli, sandboxHostProps, synthFleet, type SynthesizedHost } from "../../helpers/fleet";
import { startSandbox, type StartedSandbox } from "../../helpers/sandbox";

// The bad-input catalogue: every malformed manifest and argument we know of gets one line (what is
// wrong, the value, the fix), exit 1, no stack trace, and leaves the host exactly as it was. The
// host is a real sandbox host, so "nothing written" is checked on real files.

let sandbox: StartedSandbox;
let project: string;
let host: SynthesizedHost;
const PWNED = path.join(os.tmpdir(), "cdktf-chrony-bad-input-pwned");

beforeAll(async () => {
  sandbox = await startSandbox({ hosts: 1, firstAddress: "127.0.92.11" });
  project = fs.mkdtempSync(path.join(os.tmpdir(), "bad-input-"));
  host = synthFleet(project, path.join(project, "cdktf.out"), (stack) => {
    const key = new NtpKey(stack, "K", { keyId: 3, source: KeySource.keyStore() });
    new ChronyHost(stack, "h1", { ...sandboxHostProps(sandbox.hosts[0], sandbox.controller), keys: [key], local: { stratum: 8 } });
  }).h1;
  expect(runCli(["apply", host.file], { env: { CDKTF_CHRONY_PROJECT_DIR: project } }).status).toBe(0);
});

afterAll(async () => {
  await sandbox?.stop();
  fs.rmSync(project, { recursive: true, force: true });
  fs.rmSync(PWNED, { force: true });
});

type Json = Record<string, unknown>;
/** The valid manifest with one change applied. */
const mutate = (change: (m: Json) => unknown) => () => {
  const m = structuredClone(host.manifest) as unknown as Json;
  return JSON.stringify(change(m) ?? m);
};
const at = (m: Json, ...keys: Array<string | number>) => keys.slice(0, -1).reduce<Json>((o, k) => o[k] as Json, m);
const set = (keys: Array<string | number>, value: unknown) => mutate((m) => void (at(m, ...keys)[keys[keys.length - 1]] = value));
const drop = (keys: Array<string | number>) => mutate((m) => void delete at(m, ...keys)[keys[keys.length - 1]]);

const MANIFESTS: ReadonlyArray<readonly [string, () => string, RegExp]> = [
  ["a null manifest", () => "null", /is not a JSON object \(got null\): pass a manifest written by 'cdktf synth'$/],
  ["not JSON", () => "{", /is not valid JSON: synthesize it again with 'cdktf synth'$/],
  ["keys.entries null", set(["keys", "entries"], null), /manifest\.keys\.entries: expected Array, got null: synthesize it again/],
  ["keys.entries a string", set(["keys", "entries"], "3"), /manifest\.keys\.entries: expected Array, got "3": synthesize it again/],
  [
    "an unknown key source kind",
    set(["keys", "entries", 0, "source", "kind"], "vault"),
    /manifest\.keys\.entries\.0\.source\.kind: expected .*"env".*got "vault": synthesize it again/,
  ],
  ["a key without its source", drop(["keys", "entries", 0, "source"]), /manifest\.keys\.entries\.0\.source is missing: synthesize it again/],
  [
    "keys.mode as a string",
    set(["keys", "mode"], "640; touch /tmp/x"),
    /manifest\.keys\.mode: expected number, got "640; touch \/tmp\/x": synthesize it again/,
  ],
  ["files[].content missing", drop(["files", 0, "content"]), /manifest\.files\.0\.content is missing: synthesize it again/],
  ["files[].path a number", set(["files", 0, "path"], 7), /manifest\.files\.0\.path: expected string, got 7: synthesize it again/],
  ["files[].role unknown", set(["files", 0, "role"], "x"), /manifest\.files\.0\.role: expected .*"conf".*got "x": synthesize it again/],
  [
    "files[].path not the profile's",
    set(["files", 0, "path"], "/etc/passwd"),
    /manifest\.files\[0\] is "\/etc\/passwd" with role 'conf', but the profile's conf file is .*: synthesize it again with 'cdktf synth'$/,
  ],
  ["profile.chronyc a number", set(["profile", "chronyc"], 5), /manifest\.profile\.chronyc: expected Array, got 5: synthesize it again/],
  ["service null", set(["profile", "service"], null), /manifest\.profile\.service: expected Object, got null: synthesize it again/],
  ["service.restart missing", drop(["profile", "service", "restart"]), /manifest\.profile\.service\.restart is missing: synthesize it again/],
  [
    "service.restart a string",
    set(["profile", "service", "restart"], "systemctl restart chrony"),
    /manifest\.profile\.service\.restart: expected Array, got "systemctl restart chrony": synthesize it again/,
  ],
  [
    "a confPath that would run commands",
    set(["profile", "confPath"], `/etc/chrony/chrony.conf"$(touch ${PWNED})"`),
    /manifest\.profile\.confPath: expected an absolute path without whitespace or control characters, got/,
  ],
  [
    "a confMode that would run commands",
    set(["profile", "confMode"], `644 /dev/null; touch ${PWNED}; chmod 644`),
    /manifest\.profile\.confMode: expected number, got "644 \/dev\/null; touch/,
  ],
  [
    "a base directive chrony does not know",
    set(["profile", "baseDirectives"], [{ name: "bogus", args: [] }]),
    /unknown directive 'bogus' in 'bogus' \(manifest\.profile\.baseDirectives\[0\] of profile 'sandbox'\): chronyd 4\.3 refuses to start on it/,
  ],
  [
    "a base directive with a newline in a value",
    set(["profile", "baseDirectives"], [{ name: "logdir", args: ["/var/log\ncmdallow all"] }]),
    /argument 1 contains a newline; each value must be one token/,
  ],
  ["verify a number", set(["verify"], 5), /manifest\.verify: expected Object, got 5: synthesize it again/],
  ["verify.sources a string", set(["verify", "sources"], "all"), /manifest\.verify\.sources: expected Array, got "all": synthesize it again/],
  ["fingerprintSalt missing", drop(["fingerprintSalt"]), /manifest\.fingerprintSalt is missing: synthesize it again/],
  ["target.hostKey missing", drop(["target", "hostKey"]), /manifest\.target\.hostKey is missing: synthesize it again/],
  [
    "an older format",
    mutate((m) => ({ ...m, schema: "cdktf-chrony/host-manifest@1", generator: undefined })),
    /has format 1, written by an older cdktf-chrony; this CLI \(cdktf-chrony [\w.]+\) reads format 3: synthesize again with this version, or run the version that wrote it$/,
  ],
  [
    "not a manifest at all",
    () => JSON.stringify({ hello: "world" }),
    /is not a cdktf-chrony host manifest \(schema undefined, expected 'cdktf-chrony\/host-manifest@3'\)/,
  ],
];

const snapshot = () =>
  ["etc/chrony/chrony.conf", "etc/chrony/sources.d/cdktf-chrony.sources", "etc/chrony/chrony.keys"].map((f) => {
    const file = path.join(sandbox.hosts[0].root, f);
    return fs.existsSync(file) ? `${fs.statSync(file).mode}:${execFileSync("sha256sum", [file], { encoding: "utf8" }).split(" ")[0]}` : "absent";
  });

function expectOneLine(r: { status: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.status).toBe(1);
  expect(r.stdout).toBe("");
  const lines = r.stderr.split("\n").filter(Boolean);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cdktf-chrony \w+: /);
  expect(lines[0]).not.toMatch(/internal error|\n\s+at /);
  expect(lines[0]).toMatch(pattern);
}

describe("a malformed manifest", () => {
  it.each(MANIFESTS)("%s: one line, exit 1, nothing written on the host", (_name, text, pattern) => {
    const before = snapshot();
    const file = path.join(project, "bad.json");
    fs.writeFileSync(file, text());
    expectOneLine(runCli(["apply", file], { env: { CDKTF_CHRONY_PROJECT_DIR: project } }), pattern);
    expect(snapshot()).toEqual(before);
    expect(fs.existsSync(PWNED)).toBe(false);
  });

  it("a folder named like a bundle", () => {
    const dir = path.join(project, "folder.jsonl");
    fs.mkdirSync(dir, { recursive: true });
    expectOneLine(runCli(["apply", dir, "--host", "h1"]), /cannot read .*folder\.jsonl \(it is a folder\): run 'cdktf synth' first/);
  });

  it("a manifest whose salt is missing on this machine: apply says which file to provide, and generates none", () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "no-salt-"));
    const r = runCli(["apply", host.file], { env: { CDKTF_CHRONY_PROJECT_DIR: elsewhere } });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /keys failed: host h1: key 3 is not in the key store .*|fingerprint salt .*fingerprint\.salt is missing: copy the project's fingerprint\.salt/,
    );
    expect(fs.existsSync(path.join(elsewhere, ".chrony-keys"))).toBe(false);
    fs.rmSync(elsewhere, { recursive: true, force: true });
  });
});

describe("bad arguments", () => {
  it.each([
    [["keygen", "0"], /key ID 0|0 means "no key"/],
    [["inspect", "cdktf.out", "--host", "--json"], /option --host needs a value/],
    [["inspect", "-j"], /unknown option '-j' for inspect/],
    [["verify", "--concurrency", "2.5"], /invalid --concurrency '2\.5': use a whole number ≥ 1/],
    [["drift", "--concurrency", "2.5"], /invalid --concurrency '2\.5': use a whole number ≥ 1/],
    [["status", "01.2.3.4"], /01\.2\.3\.4/],
    [["apply", "x.json", "--lock-wait", "soon"], /invalid --lock-wait 'soon': use a positive number of seconds/],
  ])("%j: one line, exit 1", (args, pattern) => {
    expectOneLine(runCli(args), pattern);
  });
});
