import { describe, expect, it } from "vitest";
import { runCli } from "../../helpers/fleet";

const COMMANDS = ["keygen", "status", "inspect", "apply", "verify", "drift", "keys", "sandbox"];

describe("the cdktf-chrony CLI", () => {
  it("lists its commands with --help and exits 0", () => {
    const r = runCli(["--help"]);
    expect(r.status).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\s+\\S`, "m"));
  });

  it.each(COMMANDS)("%s --help prints a usage line and an example", (c) => {
    const r = runCli([c, "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: cdktf-chrony ${c}`));
    expect(r.stdout).toMatch(/example/);
  });

  it.each([
    [["frobnicate"], "cdktf-chrony: unknown command 'frobnicate': run 'cdktf-chrony --help' for the list"],
    [["inspect", "/nonexistent/out"], "cdktf-chrony inspect: no synth output at '/nonexistent/out' (no stacks/ folder): run 'cdktf synth' or 'npm run synth' first, or pass the output folder"],
    [["inspect", "--yaml"], "cdktf-chrony inspect: unknown option '--yaml' for inspect: see 'cdktf-chrony inspect --help'"],
    [["apply"], "cdktf-chrony apply: apply needs a manifest: 'chrony-hosts.jsonl --host ID' (what the provisioner runs), or a file from 'cdktf-chrony inspect --host ID --manifest'"],
    [["apply", "cdktf.out/stacks/fleet/chrony-hosts.jsonl"], "cdktf-chrony apply: cdktf.out/stacks/fleet/chrony-hosts.jsonl holds every host of a stack: add --host ID"],
    [["apply", "/nonexistent/chrony-hosts.jsonl", "--host", "h1"], "cdktf-chrony apply: cannot read /nonexistent/chrony-hosts.jsonl (ENOENT): run 'cdktf synth' first, or pass the stack's chrony-hosts.jsonl"],
    [["apply", "/nonexistent.json"], "cdktf-chrony apply: cannot read host manifest /nonexistent.json (ENOENT): pass a file written by 'cdktf-chrony inspect --host ID --manifest', or run apply from the provisioner"],
    [["inspect", "/nonexistent/out", "--manifest"], "cdktf-chrony inspect: no synth output at '/nonexistent/out' (no stacks/ folder): run 'cdktf synth' or 'npm run synth' first, or pass the output folder"],
    [["apply", "/etc/hostname"], "cdktf-chrony apply: host manifest /etc/hostname is not valid JSON: synthesize it again with 'cdktf synth'"],
    [["keygen", "1", "sha1"], "cdktf-chrony keygen: unknown hash function or cipher 'sha1': use one of MD5, SHA1, SHA256, SHA384, SHA512, SHA3-224, SHA3-256, SHA3-384, SHA3-512, AES128, AES256 (names are upper case, as in chrony.keys)"],
    [["verify", "--timeout", "soon"], "cdktf-chrony verify: invalid --timeout 'soon': use a positive number"],
    [["drift", "--concurrency", "0"], "cdktf-chrony drift: invalid --concurrency '0': use a whole number ≥ 1"],
    [["verify", "/nonexistent/out", "--host"], "cdktf-chrony verify: option --host needs a value: see 'cdktf-chrony verify --help'"],
  ])("%j fails with one clear line and exit 1", (args, line) => {
    const r = runCli(args as string[]);
    expect(r.stderr).toBe(`${line}\n`);
    expect(r.status).toBe(1);
  });
});
