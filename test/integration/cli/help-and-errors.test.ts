import { describe, expect, it } from "vitest";
import { runCli } from "../../helpers/fleet";

const COMMANDS = ["keygen", "status", "waitsync", "inspect", "apply", "plan", "verify", "drift", "keys", "import", "ca", "sandbox"];

describe("the cdktf-chrony CLI", () => {
  it("lists its commands with --help, -h and help, and exits 0", () => {
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const r = runCli(args);
      expect(r.status).toBe(0);
      for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\s+\\S`, "m"));
    }
  });

  it.each(COMMANDS)("%s --help prints a usage line and an example", (c) => {
    const r = runCli([c, "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: cdktf-chrony ${c}`));
    expect(r.stdout).toMatch(/example/);
  });

  it.each(COMMANDS)("help %s prints the same text as the command's --help", (c) => {
    const r = runCli(["help", c]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(runCli([c, "--help"]).stdout);
  });

  it.each([
    ["-h after other arguments", ["inspect", "cdktf.out", "--json", "-h"], "inspect"],
    ["--help after a value option", ["verify", "--host", "h1", "--help"], "verify"],
    ["--help after a sandbox action", ["sandbox", "up", "--hosts", "2", "--help"], "sandbox"],
    ["-h among keygen's positionals", ["keygen", "5", "-h", "SHA256"], "keygen"],
  ])("prints a command's help for %s", (_case, args, c) => {
    const r = runCli(args);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: cdktf-chrony ${c}`));
  });

  it("documents the sandbox as a way to try the tool", () => {
    expect(runCli(["--help"]).stdout).toMatch(/^ {2}sandbox +a local fleet of sshd \+ chronyd hosts on 127\.0\.0\.x, for trying cdktf-chrony$/m);
    expect(runCli(["help", "sandbox"]).stdout).toContain("A local fleet for trying cdktf-chrony without touching real hosts");
  });

  // Usage errors: one line on stderr, `cdktf-chrony CMD: …`, exit 1, no stack trace.
  it.each([
    // commands
    [["frobnicate"], "cdktf-chrony: unknown command 'frobnicate': run 'cdktf-chrony --help' for the list"],
    [["--json"], "cdktf-chrony: unknown option '--json': put options after the command; run 'cdktf-chrony --help' for the list"],
    [
      ["help", "frobnicate"],
      "cdktf-chrony help: unknown command 'frobnicate': use 'cdktf-chrony help COMMAND' with one of keygen, status, waitsync, inspect, apply, plan, verify, drift, keys, import, ca, sandbox",
    ],
    [
      ["help", "status", "drift"],
      "cdktf-chrony help: too many arguments: 'drift': use 'cdktf-chrony help COMMAND' with one of keygen, status, waitsync, inspect, apply, plan, verify, drift, keys, import, ca, sandbox",
    ],
    // unknown options, long and short
    [["inspect", "--yaml"], "cdktf-chrony inspect: unknown option '--yaml' for inspect: see 'cdktf-chrony inspect --help'"],
    [["inspect", "-j"], "cdktf-chrony inspect: unknown option '-j' for inspect: see 'cdktf-chrony inspect --help'"],
    [["keygen", "-x"], "cdktf-chrony keygen: unknown option '-x' for keygen: see 'cdktf-chrony keygen --help'"],
    [["sandbox", "down", "--hosts", "3"], "cdktf-chrony sandbox: unknown option '--hosts' for sandbox down: see 'cdktf-chrony sandbox down --help'"],
    // a value option never takes the next option as its value
    [["inspect", "cdktf.out", "--host", "--json"], "cdktf-chrony inspect: option --host needs a value: see 'cdktf-chrony inspect --help'"],
    [["verify", "/nonexistent/out", "--host"], "cdktf-chrony verify: option --host needs a value: see 'cdktf-chrony verify --help'"],
    [["drift", "--host="], "cdktf-chrony drift: option --host needs a value: see 'cdktf-chrony drift --help'"],
    [["keys", "--json=yes"], "cdktf-chrony keys: option --json takes no value (got '--json=yes'): see 'cdktf-chrony keys --help'"],
    // positionals
    [["inspect", "a", "b"], "cdktf-chrony inspect: too many arguments for inspect: 'b': see 'cdktf-chrony inspect --help'"],
    [["keygen", "1", "SHA1", "160", "4"], "cdktf-chrony keygen: too many arguments for keygen: '4': see 'cdktf-chrony keygen --help'"],
    [["sandbox"], "cdktf-chrony sandbox: missing action: use 'sandbox up', 'sandbox status' or 'sandbox down' (see 'cdktf-chrony sandbox --help')"],
    [
      ["sandbox", "--dir", "x", "up"],
      "cdktf-chrony sandbox: the action comes first: 'sandbox up|status|down [options]' (got '--dir'; see 'cdktf-chrony sandbox --help')",
    ],
    [["sandbox", "restart"], "cdktf-chrony sandbox: unknown action 'restart': use up, status or down (see 'cdktf-chrony sandbox --help')"],
    // report formats
    [["drift", "--format", "html"], "cdktf-chrony drift: invalid --format 'html': use text, markdown, json"],
    [["verify", "--json", "--format", "markdown"], "cdktf-chrony verify: --json and --format markdown ask for two formats: keep one"],
    [["plan", "--format"], "cdktf-chrony plan: option --format needs a value: see 'cdktf-chrony plan --help'"],
    [
      ["drift", "--junit", "/proc/version/drift.xml"],
      "cdktf-chrony drift: cannot write --junit /proc/version/drift.xml (ENOTDIR): give a file path in a folder you can write",
    ],
    // numbers: one helper, one message shape
    [["verify", "--concurrency", "2.5"], "cdktf-chrony verify: invalid --concurrency '2.5': use a whole number ≥ 1"],
    [["drift", "--concurrency", "2.5"], "cdktf-chrony drift: invalid --concurrency '2.5': use a whole number ≥ 1"],
    [["drift", "--concurrency", "0"], "cdktf-chrony drift: invalid --concurrency '0': use a whole number ≥ 1"],
    [["verify", "--concurrency", "0x10"], "cdktf-chrony verify: invalid --concurrency '0x10': use a whole number ≥ 1"],
    [["verify", "--timeout", "soon"], "cdktf-chrony verify: invalid --timeout 'soon': use a positive number of seconds"],
    [["verify", "--timeout=-1"], "cdktf-chrony verify: invalid --timeout '-1': use a positive number of seconds"],
    [["status", "127.0.0.1", "--timeout", "0"], "cdktf-chrony status: invalid --timeout '0': use a positive number of milliseconds up to 60000"],
    [["sandbox", "up", "--hosts", "two"], "cdktf-chrony sandbox: invalid --hosts 'two': use a whole number from 1 to 200"],
    [["sandbox", "up", "--hosts", "201"], "cdktf-chrony sandbox: invalid --hosts '201': use a whole number from 1 to 200"],
    // keygen: key ID 0 means "no key" to chrony
    [["keygen", "0"], "cdktf-chrony keygen: invalid key ID '0': chrony reads key ID 0 as \"no key\"; use a whole number from 1 to 4294967295"],
    [
      ["keygen", "1", "sha1"],
      "cdktf-chrony keygen: unknown hash function or cipher 'sha1': use one of MD5, SHA1, SHA256, SHA384, SHA512, SHA3-224, SHA3-256, SHA3-384, SHA3-512, AES128, AES256 (names are upper case, as in chrony.keys)",
    ],
    // what the commands check themselves
    [
      ["status"],
      "cdktf-chrony status: missing HOST or OUTDIR: usage: cdktf-chrony status HOST[:PORT]|OUTDIR [--rtc] [--json] [--format markdown] [--timeout MS] [--concurrency N]",
    ],
    [
      ["waitsync"],
      "cdktf-chrony waitsync: missing HOST or OUTDIR: usage: cdktf-chrony waitsync HOST[:PORT]|OUTDIR [--timeout S]; see 'cdktf-chrony waitsync --help'",
    ],
    [
      ["waitsync", "127.0.0.1", "--max-correction", "-1"],
      "cdktf-chrony waitsync: option --max-correction needs a value: see 'cdktf-chrony waitsync --help'",
    ],
    [["waitsync", "127.0.0.1", "--max-correction", "a"], "cdktf-chrony waitsync: invalid --max-correction 'a': use a number ≥ 0 (0: no bound)"],
    [["waitsync", "127.0.0.1", "--host", "h1"], "cdktf-chrony waitsync: option --host is for a synth output (OUTDIR): '127.0.0.1' is not a folder"],
    [
      ["status", "127.0.0.1", "--jump", "bastion"],
      "cdktf-chrony status: option --jump needs --ssh (it says how to reach the host over SSH): add --ssh, or drop --jump",
    ],
    [
      ["waitsync", "127.0.0.1", "--known-hosts", "kh"],
      "cdktf-chrony waitsync: option --known-hosts needs --ssh (it says how to reach the host over SSH): add --ssh, or drop --known-hosts",
    ],
    [
      ["inspect", "/nonexistent/out"],
      "cdktf-chrony inspect: no synth output at '/nonexistent/out' (no stacks/ folder): run 'cdktf synth' or 'npm run synth' first, or pass the output folder",
    ],
    [["inspect", "/nonexistent/out", "--manifest"], "cdktf-chrony inspect: --manifest prints one host's manifest: add --host ID"],
    [
      ["apply"],
      "cdktf-chrony apply: apply needs a manifest: 'chrony-hosts.jsonl --host ID' (what the provisioner runs), or a file from 'cdktf-chrony inspect --host ID --manifest'",
    ],
    [
      ["apply", "cdktf.out/stacks/fleet/chrony-hosts.jsonl"],
      "cdktf-chrony apply: cdktf.out/stacks/fleet/chrony-hosts.jsonl holds every host of a stack: add --host ID",
    ],
    [
      ["apply", "/nonexistent/chrony-hosts.jsonl", "--host", "h1"],
      "cdktf-chrony apply: cannot read /nonexistent/chrony-hosts.jsonl (ENOENT): run 'cdktf synth' first, or pass the stack's chrony-hosts.jsonl",
    ],
    [
      ["apply", "/nonexistent.json"],
      "cdktf-chrony apply: cannot read host manifest /nonexistent.json (ENOENT): pass a file written by 'cdktf-chrony inspect --host ID --manifest', or run apply from the provisioner",
    ],
    [["apply", "/etc/hostname"], "cdktf-chrony apply: host manifest /etc/hostname is not valid JSON: synthesize it again with 'cdktf synth'"],
  ])("%j fails with one clear line and exit 1", (args, line) => {
    const r = runCli(args as string[]);
    expect(r.stderr).toBe(`${line}\n`);
    expect(r.stdout).toBe("");
    expect(r.status).toBe(1);
  });

  // The endpoint parser belongs to lib/cmdmon: the CLI passes HOST through untouched. A leading zero
  // is octal to inet_aton and decimal to others, so such an address is refused, not guessed.
  it("status refuses an IPv4 address with a leading zero before sending anything", () => {
    const r = runCli(["status", "01.2.3.4", "--timeout", "100"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^cdktf-chrony status: [^\n]*'01\.2\.3\.4'[^\n]*\n$/);
    expect(r.stderr).not.toContain("nothing listens");
  });
});
