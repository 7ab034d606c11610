/**
 * The app the synth benchmarks time, run as its own process (as `cdktf synth` runs an app):
 *
 *   node dist/bench/synth-app.js chrony HOSTS OUTDIR
 *   node dist/bench/synth-app.js chrony-no-rollout HOSTS OUTDIR
 *   node dist/bench/synth-app.js bare HOSTS OUTDIR PAD_BYTES
 *
 * `chrony`: HOSTS ChronyHosts on the Debian profile in two tiers, as a fleet is built: one server
 * per 50 hosts (at least 3) and clients. Every host has 4 sources: 2 servers that are other
 * ChronyHosts of the app, each with a key (clients use two servers; servers use the next two
 * servers, a ring), 1 pool and 1 plain address; every host holds 2 keys (from environment
 * variables, so no key store files are created). The clients deploy after their servers
 * (depends_on) and in a Rollout: a 1% canary wave, a 10% wave and the rest, with a health gate
 * after each of the first two. `chrony-no-rollout`: the same fleet without the Rollout (the
 * default order only: servers before their clients).
 * `bare`: the baseline, a plain cdktf stack of HOSTS `terraform_data` resources with the same shape
 * of payload (3 digest triggers, a local-exec provisioner), each PAD_BYTES characters longer.
 *
 * Prints one JSON line on stdout (SynthAppReport); the parent checks the output after the process exits.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { App, TerraformStack } from "cdktf";
import { ChronyHost, HostKeyPolicy, HostProfiles, KeySource, NtpKey, Rollout, RolloutWave, TerraformData } from "../constructs";

/** Environment variables the chrony app reads its two keys from (set by the parent). */
export const SYNTH_KEY_VARIABLES = ["CDKTF_CHRONY_BENCH_KEY_A", "CDKTF_CHRONY_BENCH_KEY_B"] as const;

export interface SynthAppReport {
  readonly hosts: number;
  /** Size of the stack's cdk.tf.json. */
  readonly stackBytes: number;
  /** Other files the synth wrote into the stack's folder (host manifests, however they are laid out). */
  readonly besideFiles: number;
  readonly besideBytes: number;
  /** process.resourceUsage().maxRSS at the end, in KiB. */
  readonly maxRssKb: number;
  /** CPU time of the whole process (user + system), in ms: less sensitive to other load than wall clock. */
  readonly cpuMs: number;
  /** Building the construct tree, in ms (inside the process). */
  readonly constructMs: number;
  /** app.synth(), in ms (inside the process). */
  readonly synthMs: number;
}

/** 10.a.b.c for host i (unique targets and NTP addresses for up to 16M hosts). */
function addressOf(i: number): string {
  const n = i + 1;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** Servers of a fleet of `hosts`: one per 50 hosts, at least 3. */
export function serverCount(hosts: number): number {
  return Math.max(3, Math.ceil(hosts / 50));
}

export function buildChrony(stack: TerraformStack, hosts: number, rollout = true): void {
  const keyA = new NtpKey(stack, "FleetKeyA", { keyId: 11, type: "SHA256", source: KeySource.env(SYNTH_KEY_VARIABLES[0]) });
  const keyB = new NtpKey(stack, "FleetKeyB", { keyId: 12, type: "AES128", source: KeySource.env(SYNTH_KEY_VARIABLES[1]) });
  const knownHosts = HostKeyPolicy.knownHosts("/etc/ssh/ssh_known_hosts");
  const all: ChronyHost[] = [];
  for (let i = 0; i < hosts; i++) {
    const address = addressOf(i);
    all.push(
      new ChronyHost(stack, `host-${i + 1}`, {
        target: { address, hostKey: knownHosts },
        profile: HostProfiles.debian(),
        verify: { cmdEndpoint: `${address}:323` },
        allow: ["10.0.0.0/8"],
        makestep: { thresholdSeconds: 1, limit: 3 },
        rtcsync: true,
        pools: [{ name: "2.debian.pool.ntp.org", iburst: true, maxSources: 2 }],
        servers: [{ address: "192.0.2.123", iburst: true, maxPoll: 10 }],
      }),
    );
  }
  // Servers use the next two servers (a ring: not ordered among themselves); clients use two servers.
  const servers = serverCount(hosts);
  for (let i = 0; i < hosts; i++) {
    const [a, b] = i < servers ? [(i + 1) % servers, (i + 2) % servers] : [i % servers, (i + 1) % servers];
    all[i].addServer(all[a], { key: keyA, iburst: true, minPoll: 4, maxPoll: 8 });
    all[i].addServer(all[b], { key: keyB, iburst: true, minPoll: 4, maxPoll: 8 });
  }
  const clients = all.slice(servers);
  if (rollout) new Rollout(stack, "Rollout", { hosts: clients, waves: [RolloutWave.percent(1), RolloutWave.percent(10)] });
}

export function buildBare(stack: TerraformStack, hosts: number, pad: number): void {
  // Same shape as a ChronyHost's push resource: digest triggers and a local-exec provisioner.
  // Real sha256 hex (not a fixed pattern): cdktf scans every string for number tokens, and hex
  // digests like ours often contain "<digits>e<digits>", which sends them down its slower path.
  const digest = (what: string, i: number) => createHash("sha256").update(`${what}-${i}`).digest("hex");
  const cli = [process.execPath, path.resolve(__dirname, "..", "lib", "cli", "main.js"), "apply"];
  // The padding goes into an existing string, so PAD_BYTES adds exactly that many bytes per resource.
  const payload = "x".repeat(Math.max(0, pad));
  for (let i = 0; i < hosts; i++) {
    new TerraformData(stack, `host-${i + 1}`, {
      triggersReplace: { files: digest("files", i), keys: digest("keys", i), target: `root@${addressOf(i)}:22${payload}` },
      provisioners: [{ type: "local-exec", interpreter: cli, command: `chrony-hosts/host-${i + 1}.json` }],
    });
  }
}

/** Files and bytes a synth wrote into the stack's folder besides cdk.tf.json (e.g. host manifests). */
function besideStack(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (p !== path.join(dir, "cdk.tf.json")) {
        files++;
        bytes += fs.statSync(p).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

function main(argv: readonly string[]): void {
  const [kind, hostsText, outdir, padText] = argv;
  const hosts = Number(hostsText);
  if ((kind !== "chrony" && kind !== "chrony-no-rollout" && kind !== "bare") || !Number.isInteger(hosts) || hosts < 3 || !outdir) {
    throw new Error("usage: synth-app.js chrony|chrony-no-rollout|bare HOSTS OUTDIR [PAD_BYTES]");
  }
  const t0 = performance.now();
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "fleet");
  if (kind === "chrony" || kind === "chrony-no-rollout") buildChrony(stack, hosts, kind === "chrony");
  else buildBare(stack, hosts, Number(padText ?? 0));
  const t1 = performance.now();
  app.synth();
  const t2 = performance.now();
  const stackDir = path.join(outdir, "stacks", "fleet");
  const report: SynthAppReport = {
    hosts,
    stackBytes: fs.statSync(path.join(stackDir, "cdk.tf.json")).size,
    ...(({ files, bytes }) => ({ besideFiles: files, besideBytes: bytes }))(besideStack(stackDir)),
    maxRssKb: process.resourceUsage().maxRSS,
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    constructMs: t1 - t0,
    synthMs: t2 - t1,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (require.main === module) main(process.argv.slice(2));
