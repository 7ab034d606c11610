import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  compileFleet,
  HostDeclaration,
  KeyDeclaration,
  NtsAuthorityDeclaration,
  NtsCertificateDeclaration,
  SourceDeclaration,
} from "../../lib/fleet";
import { projectNtsMaterial } from "../../lib/keys/nts/project-nts";
import { keyFingerprint } from "../../lib/keys/fingerprint";
import { decodeKeyMaterial } from "../../lib/keys/key-material";
import type { HostManifest } from "../../lib/manifest";
import { buildChronyConfig, ChronyConfigProps } from "../../lib/model/chrony-config";
import { directive } from "../../lib/model/directive";
import type { HostProfile } from "../../lib/model/profiles/host-profile";

/**
 * A "host" in a temporary folder for the remote programs' unit tests: chrony's files under `root`,
 * and stub chronyd, chronyc and service commands that keep their state in `state/`:
 * - `state/running` exists while the stub daemon runs; `state/pid` counts its starts;
 * - `state/live` holds the source lines the daemon uses (reread on start, restart, reload sources);
 * - `state/calls` logs every chronyc and service call;
 * - flags: `state/fail-restart`, `state/fail-reload` make those fail; `state/fault` ("STEP kill|term|hang")
 *   makes the fault hook act at that step; `state/nts-fail` makes every NTS source's NTS-KE fail
 *   (authdata: one attempt, no cookies), otherwise each holds 8 cookies.
 * The stub chronyd -p refuses a config with a line starting "invalid-directive".
 *
 * A stub nft keeps the one table it is given in `state/nft-table` (as it "lists" it: the file's
 * table block) and prints `state/ruleset.json` for `-j list ruleset` (the host's other tables);
 * `nft -c` refuses a file with a line containing "invalid-rule", and `state/nft-fail-load` makes
 * the next `nft -f` fail (once), `state/nft-fail-delete` the next `nft delete table`. A stub unshare runs its command with the nft state in a fresh scratch folder (the
 * empty network namespace).
 */
export interface FakeHost {
  readonly dir: string;
  readonly root: string;
  readonly state: string;
  readonly profile: HostProfile;
  readonly hook: string;
  /**
   * The environment the host's programs run in: the stub folder first on PATH, so a command the
   * programs find by name (nft, for a firewall the app no longer manages) is a stub, never this
   * machine's.
   */
  readonly env: NodeJS.ProcessEnv;
  /** The stub nft and unshare, for a firewall declaration. */
  readonly firewall: { readonly backend: "nftables"; readonly mark: number; readonly nft: readonly string[]; readonly scratch: readonly string[] };
  /** The table the stub nft has loaded, as it lists it (undefined: none). */
  nftTable(): string | undefined;
  file(relative: string): string;
  read(relative: string): string | undefined;
  flag(name: string, content?: string): void;
  unflag(name: string): void;
  calls(): string[];
  pid(): number;
  running(): boolean;
  /** Files whose names hold ".cdktf-chrony." (staged, backups, journal), the lock file excepted. */
  leftovers(): string[];
  remove(): void;
}

const STUB_CHRONYC = `#!/bin/sh
state=$STATE
echo "chronyc $*" >> "$state/calls"
words=""
while [ $# -gt 0 ]; do
  case "$1" in -h) shift 2 ;; -n|-N|-c|-a) shift ;; *) words="$words $1"; shift ;; esac
done
words=\${words# }
[ -e "$state/running" ] || { echo "506 Cannot talk to daemon"; exit 1; }
case "$words" in
  tracking) echo "7F000001,127.0.0.1,2,0,0,0,0,0,0,0,0,0,0,Normal" ;;
  sources) awk '{ printf "%s,?,%s,0,6,0,4294967295,0.000000000,0.000000000,0.000000000\\n", ($1 == "peer" ? "=" : "^"), $2 }' "$state/live" ;;
  ntpdata) : ;;
  authdata)
    awk -v fail="$([ -e "$state/nts-fail" ] && echo 1)" '{
      nts = 0; for (i = 3; i <= NF; i++) if ($i == "nts") nts = 1
      if (!nts) printf "%s,-,0,0,0,4294967295,0,0,0,0\\n", $2
      else if (fail) printf "%s,NTS,0,0,0,4294967295,1,0,0,0\\n", $2
      else printf "%s,NTS,1,15,256,3,0,0,8,100\\n", $2
    }' "$state/live" ;;
  "delete "*) echo "200 OK" ;;
  "reload sources")
    [ -e "$state/fail-reload" ] && { echo "501 Not authorised"; exit 1; }
    "$state/../bin/relist"; echo "200 OK" ;;
  rekey) echo "200 OK" ;;
  *) echo "stub chronyc: unknown command '$words'" >&2; exit 1 ;;
esac
`;

const STUB_RELIST = `#!/bin/sh
# What the daemon would use now: source lines of chrony.conf and of the sourcedir's *.sources.
root=$ROOT
cat "$root/etc/chrony/chrony.conf" "$root"/etc/chrony/sources.d/*.sources 2>/dev/null | awk '$1 == "server" || $1 == "pool" || $1 == "peer"' > "$STATE/live"
`;

const STUB_SERVICE = `#!/bin/sh
state=$STATE
echo "service $1" >> "$state/calls"
case "$1" in
  restart)
    [ -e "$state/hang-restart" ] && sleep 60
    if [ -e "$state/fail-restart" ]; then rm -f "$state/running"; echo "chronyd: simulated start failure" >&2; exit 1; fi
    "$state/../bin/relist"; touch "$state/running"; echo $(( $(cat "$state/pid") + 1 )) > "$state/pid" ;;
  start)
    "$state/../bin/relist"; touch "$state/running"; echo $(( $(cat "$state/pid") + 1 )) > "$state/pid" ;;
  status) [ -e "$state/running" ] ;;
  *) exit 2 ;;
esac
`;

const STUB_CHRONYD = `#!/bin/sh
# chronyd -p -f FILE: refuse a config (or an included file) with an invalid directive; otherwise
# print its directives, one per line with single spaces, as chronyd -p does.
file=$3
for f in "$file" $(awk '$1 == "include" { print $2 }' "$file"); do
  if grep -q '^invalid-directive' "$f" 2>/dev/null; then echo "2026-01-01T00:00:00Z Fatal error : Invalid directive at line 1 in file $f" >&2; exit 1; fi
done
awk '$1 !~ /^[#!;%]/ && NF > 0 { $1 = $1; print }' "$file"
`;

const STUB_NFT = `#!/bin/sh
# nft -c -f FILE | -f FILE | list table F T | delete table F T | -j list ruleset
dir=\${NFT_STATE:-$STATE}
echo "nft $*" >> "$STATE/calls"
listing() { sed -n '/{$/,$p' "$1"; }
case "$*" in
  "-c -f "*) if grep -q invalid-rule "$3"; then echo "$3:1:1-1: Error: syntax error" >&2; exit 1; fi ;;
  "-f "*)
    [ -z "\${NFT_STATE:-}" ] && [ -e "$STATE/nft-fail-load" ] && { rm -f "$STATE/nft-fail-load"; echo "Error: Could not process rule: simulated" >&2; exit 1; }
    out=$(listing "$2") || exit 1
    printf '%s\\n' "$out" > "$dir/nft-table" ;;
  "list table "*) [ -e "$dir/nft-table" ] || { echo "Error: No such file or directory" >&2; exit 1; }; cat "$dir/nft-table" ;;
  "delete table "*)
    [ -e "$STATE/nft-fail-delete" ] && { rm -f "$STATE/nft-fail-delete"; echo "Error: Could not process rule: simulated" >&2; exit 1; }
    rm -f "$dir/nft-table" ;;
  "-j list ruleset") cat "$STATE/ruleset.json" 2>/dev/null || echo '{"nftables": []}' ;;
  *) echo "stub nft: unknown command '$*'" >&2; exit 1 ;;
esac
`;

const STUB_UNSHARE = `#!/bin/sh
# unshare --net -- COMMAND...: the command sees an empty nftables (a scratch state folder).
shift 2
NFT_STATE=$(mktemp -d) && export NFT_STATE
"$@"; rc=$?
rm -rf "$NFT_STATE"
exit $rc
`;

// The test-only fault hook: at the step named in state/fault, kill (SIGKILL) or terminate
// (SIGTERM) the program that runs it, or hang.
const STUB_HOOK = `#!/bin/sh
[ -e "$STATE/fault" ] || exit 0
read -r step what < "$STATE/fault"
[ "$step" = "$1" ] || exit 0
echo "hook $1 $what" >> "$STATE/calls"
case "$what" in
  kill) kill -KILL "$PPID" ;;
  term) kill -TERM "$PPID"; sleep 1 ;;
  hang) sleep 60 ;;
esac
`;

export function makeFakeHost(): FakeHost {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-host-"));
  const root = path.join(dir, "root");
  const state = path.join(dir, "state");
  const bin = path.join(dir, "bin");
  for (const d of [path.join(root, "etc/chrony/sources.d"), path.join(root, "var/lib/chrony"), state, bin]) fs.mkdirSync(d, { recursive: true });
  const env = `STATE=${state}\nROOT=${root}\nexport STATE ROOT\n`;
  const write = (name: string, body: string) => {
    const [shebang, ...rest] = body.split("\n");
    fs.writeFileSync(path.join(bin, name), [shebang, env.trimEnd(), ...rest].join("\n"), { mode: 0o755 });
  };
  write("chronyc", STUB_CHRONYC);
  write("relist", STUB_RELIST);
  write("service", STUB_SERVICE);
  write("chronyd", STUB_CHRONYD);
  write("hook", STUB_HOOK);
  write("nft", STUB_NFT);
  write("unshare", STUB_UNSHARE);
  fs.writeFileSync(path.join(state, "pid"), "100\n");
  fs.writeFileSync(path.join(state, "calls"), "");
  fs.writeFileSync(path.join(state, "live"), "");
  fs.writeFileSync(path.join(state, "running"), "");
  const user = os.userInfo().username;
  const group = execFileSync("id", ["-gn"], { encoding: "utf8" }).trim();
  const r = (p: string) => path.join(root, p);
  const profile: HostProfile = {
    name: "fake",
    confPath: r("etc/chrony/chrony.conf"),
    keysPath: r("etc/chrony/chrony.keys"),
    sourceDir: r("etc/chrony/sources.d"),
    sourcesFileName: "cdktf-chrony.sources",
    keysOwner: user,
    keysGroup: group,
    keysMode: 0o640,
    confMode: 0o644,
    confOwner: user,
    confGroup: group,
    chronyd: [path.join(bin, "chronyd")],
    chronyc: [path.join(bin, "chronyc")],
    service: {
      restart: [path.join(bin, "service"), "restart"],
      start: [path.join(bin, "service"), "start"],
      isActive: [path.join(bin, "service"), "status"],
    },
    baseDirectives: [
      directive("keyfile", r("etc/chrony/chrony.keys")),
      directive("sourcedir", r("etc/chrony/sources.d")),
      directive("ntsdumpdir", r("var/lib/chrony")),
    ],
    ntpPort: 123,
    cmdPort: 323,
  };
  return {
    dir,
    root,
    state,
    profile,
    hook: path.join(bin, "hook"),
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` },
    firewall: { backend: "nftables", mark: 0x10000000, nft: [path.join(bin, "nft")], scratch: [path.join(bin, "unshare"), "--net", "--"] },
    nftTable: () => (fs.existsSync(path.join(state, "nft-table")) ? fs.readFileSync(path.join(state, "nft-table"), "utf8") : undefined),
    file: (relative) => path.join(root, relative),
    read: (relative) => (fs.existsSync(path.join(root, relative)) ? fs.readFileSync(path.join(root, relative), "utf8") : undefined),
    flag: (name, content = "") => fs.writeFileSync(path.join(state, name), content),
    unflag: (name) => fs.rmSync(path.join(state, name), { force: true }),
    calls: () => fs.readFileSync(path.join(state, "calls"), "utf8").split("\n").filter(Boolean),
    pid: () => Number(fs.readFileSync(path.join(state, "pid"), "utf8")),
    running: () => fs.existsSync(path.join(state, "running")),
    leftovers: () =>
      fs
        .readdirSync(r("etc/chrony"), { recursive: true, encoding: "utf8" })
        .filter((f) => f.includes(".cdktf-chrony.") && !f.endsWith(".cdktf-chrony.lock")),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The salt and key material the fake hosts' manifests use (from the environment, as a CI job would). */
export const FAKE_SALT_ENV = "FAKE_HOST_SALT";
export const FAKE_KEY_ENV = (id: number) => `FAKE_HOST_KEY_${id}`;

export interface FakeHostConfig extends ChronyConfigProps {
  readonly servers?: readonly string[];
  readonly peers?: readonly string[];
  /** Key IDs the host holds (material from FAKE_HOST_KEY_<ID>, set by this function). */
  readonly keyIds?: readonly number[];
  readonly undeclaredKeys?: HostDeclaration["undeclaredKeys"];
  /** Makes the host an NTS server: a certificate for 127.0.0.1 (and `names`) issued by the authority `ntsAuthority` of the host's key store. */
  readonly ntsServer?: { readonly names?: readonly string[] };
  /** NTS sources by address; the host trusts the authority `ntsAuthority`. */
  readonly ntsServers?: readonly string[];
  /** The key store authority that issues and is trusted. @default "test-ca" */
  readonly ntsAuthority?: string;
  /** The time synth issues certificates at. @default - now */
  readonly now?: Date;
  /** Manage the fake host's firewall with the stub nft. @default false */
  readonly firewall?: boolean;
}

/** Compiles a one-host fleet for the fake host, as synth would. */
export function fakeManifest(host: FakeHost, config: FakeHostConfig = {}): HostManifest {
  process.env[FAKE_SALT_ENV] = "fake-salt";
  const keys: KeyDeclaration[] = (config.keyIds ?? []).map((id) => {
    process.env[FAKE_KEY_ENV(id)] ??= `HEX:${id.toString(16).padStart(2, "0").repeat(20)}`;
    return { ref: `app/K${id}`, keyId: id, type: "SHA1", source: { kind: "env", variable: FAKE_KEY_ENV(id) } };
  });
  const authorityName = config.ntsAuthority ?? "test-ca";
  const authorities: NtsAuthorityDeclaration[] = [
    {
      ref: `app/${authorityName}`,
      keyStore: ".chrony-keys",
      name: authorityName,
      commonName: `test CA ${authorityName}`,
      validityDays: 3650,
      renewBeforeDays: 30,
      hardLimitDays: 7,
    },
  ];
  const certificates: NtsCertificateDeclaration[] = config.ntsServer
    ? [
        {
          ref: "app/fake/NtsCertificate",
          issuer: { authority: `app/${authorityName}`, extraNames: [...(config.ntsServer.names ?? [])], validityDays: 365 },
          renewBeforeDays: 30,
          hardLimitDays: 7,
        },
      ]
    : [];
  const sources: SourceDeclaration[] = [
    ...(config.servers ?? []).map((a): SourceDeclaration => ({ kind: "server", to: { address: a }, options: { iburst: true } })),
    ...(config.ntsServers ?? []).map((a): SourceDeclaration => ({ kind: "server", to: { address: a }, options: { iburst: true, nts: true } })),
    ...(config.peers ?? []).map((a): SourceDeclaration => ({ kind: "peer", to: { address: a }, options: {} })),
  ];
  const declaration: HostDeclaration = {
    ref: "app/fake",
    id: "fake",
    stack: "test",
    target: { address: "localhost", port: 22, user: "root", hostKey: { kind: "fingerprint", sha256: `SHA256:${"A".repeat(43)}` }, sudo: false },
    profile: host.profile,
    ntpAddress: "127.0.0.1",
    config: buildChronyConfig(config),
    sources,
    keys: keys.map((k) => ({ key: k.ref })),
    reloadPolicy: "least-disruptive",
    ...(config.undeclaredKeys ? { undeclaredKeys: config.undeclaredKeys } : {}),
    verify: { timeoutSeconds: 10 },
    ...(config.firewall ? { firewall: host.firewall } : {}),
    ...(config.ntsServer || config.ntsServers
      ? {
          nts: {
            ...(config.ntsServer ? { certificate: certificates[0].ref } : {}),
            ...(config.ntsServers ? { trustedAuthorities: [`app/${authorityName}`] } : {}),
          },
        }
      : {}),
  };
  const salt = Buffer.from("fake-salt");
  return compileFleet(
    { hosts: [declaration], keys, rotations: [], ntsAuthorities: authorities, ntsCertificates: certificates },
    {
      saltSpec: { kind: "env", variable: FAKE_SALT_ENV },
      fingerprint: (k) => ({
        fingerprint: keyFingerprint(salt, k.keyId, k.type, decodeKeyMaterial(k.keyId, process.env[FAKE_KEY_ENV(k.keyId)]!)),
        warnings: [],
      }),
    },
    { generator: "cdktf-chrony test", nts: projectNtsMaterial(host.dir, { kind: "env", variable: FAKE_SALT_ENV }, () => config.now ?? new Date()) },
  ).hosts[0].manifest;
}
