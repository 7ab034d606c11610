/**
 * `npm run demo`: a five-host sandbox fleet deployed with real `cdktf deploy`, verified, and
 * reported. `npm run demo:down` stops it. Everything the demo makes lives in .sandbox/.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { readApplyRecord } from "../lib/deploy/apply-record";
import { mapLimit } from "../lib/map-limit";
import { readOutdir } from "../lib/deploy/outdir";
import { verifyHost } from "../lib/deploy/verify";
import { formatFleetReport } from "../lib/report/fleet-report";
import { sandboxDown, sandboxUp } from "../lib/sandbox";

const ROOT = path.resolve(__dirname, "..", "..");
const DIR = path.join(ROOT, ".sandbox");
const OUTDIR = path.join(DIR, "cdktf.out");
const LOG = path.join(DIR, "deploy.log");

const say = (line: string) => process.stdout.write(`${line}\n`);

function fail(message: string): never {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(1);
}

// Terminal colour codes start with ESC, a control character: matching it is the point here.
// eslint-disable-next-line no-control-regex
const ANSI_ESCAPE = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** The examples the demo deploys: `npm run demo` (fleet, NTP keys) or `npm run demo:nts` (NTS with a private CA). */
const EXAMPLES = {
  fleet: { stack: "fleet", about: "examples/fleet: 2 servers peering over key 1, 3 clients using key 2" },
  nts: { stack: "nts", about: "examples/nts: 2 NTS servers with certificates from the app's CA, 3 clients using them over NTS" },
} as const;
const example = EXAMPLES[(process.argv[3] ?? "fleet") as keyof typeof EXAMPLES] ?? fail(`unknown example '${process.argv[3]}': use fleet or nts`);

/** Runs `cdktf deploy` with its chatter in .sandbox/deploy.log, echoing each host's apply summary. */
function deploy(env: NodeJS.ProcessEnv): Promise<number> {
  const cdktf = path.join(ROOT, "node_modules", ".bin", "cdktf");
  const log = fs.createWriteStream(LOG);
  const app = `node ${path.join("dist", "examples", example.stack, "main.js")}`;
  const child = spawn(cdktf, ["deploy", "--auto-approve", "--output", OUTDIR, "--app", app, example.stack], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const summary = /\(local-exec\):\s+(\S+ \(\S+\) .* in [\d.]+ s.*)$/;
  let buffer = "";
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    buffer += chunk.toString("utf8").replace(ANSI_ESCAPE, "");
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) {
      const m = summary.exec(line);
      if (m) say(`  applied: ${m[1]}`);
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  return new Promise((resolve) => child.on("close", (code) => log.end(() => resolve(code ?? 1))));
}

async function up(): Promise<void> {
  if (spawnSync("terraform", ["version"], { stdio: "ignore" }).status !== 0) {
    fail("terraform is not on PATH: install Terraform ≥ 1.4 (or OpenTofu as 'terraform') and run the demo again");
  }
  say("1/4 starting a sandbox of 5 hosts (sshd + chronyd each, on 127.0.0.11-15) in .sandbox/");
  const sandbox = await sandboxUp({ dir: DIR, hosts: 5 });
  say(`    ${sandbox.alreadyRunning ? "already running" : "up"}: ${sandbox.hosts.map((h) => `${h.id} ${h.address}`).join(", ")}`);

  say(`2/4 cdktf deploy of ${example.about} (log: .sandbox/deploy.log)`);
  const env = {
    ...process.env,
    CDKTF_CHRONY_SANDBOX: DIR,
    CDKTF_CHRONY_PROJECT_DIR: DIR,
    CHECKPOINT_DISABLE: "1",
    DISABLE_VERSION_CHECK: "1",
    CI: process.env.CI ?? "1",
  };
  const code = await deploy(env);
  if (code !== 0) {
    const tail = fs.readFileSync(LOG, "utf8").replace(ANSI_ESCAPE, "").trim().split("\n").slice(-25).join("\n");
    fail(`cdktf deploy failed (exit ${code}); the end of .sandbox/deploy.log:\n${tail}`);
  }

  say("3/4 verifying every host: sources reachable, keyed and NTS sources authenticated");
  const hosts = readOutdir(OUTDIR).filter((h) => h.manifest.stack === example.stack);
  const results = await mapLimit(
    hosts,
    8,
    (h) => verifyHost(h.manifest, { timeoutSeconds: 60, projectDir: h.projectDir }),
    (r) => say(`    ${r.host}: ${r.result}`),
  );

  say("4/4 the fleet\n");
  process.stdout.write(
    formatFleetReport(results.map((verification, i) => ({ verification, action: readApplyRecord(hosts[i].stackDir, hosts[i].manifest.id)?.action }))),
  );
  const h1 = sandbox.hosts[0];
  say(`
Look at it:
  npx cdktf-chrony status ${h1.address}:${h1.cmdPort}              tracking + sources over the command protocol
  npx cdktf-chrony drift .sandbox/cdktf.out                  is every host still as deployed?
  npx cdktf-chrony keys .sandbox/cdktf.out                   which host holds which key (never the material)
  ssh -i .sandbox/controller/id_ed25519 -o UserKnownHostsFile=.sandbox/controller/known_hosts -p ${h1.sshPort} root@${h1.address}
Stop it:
  npm run demo:down`);
  if (results.some((r) => r.result !== "verified")) process.exitCode = 1;
}

async function down(): Promise<void> {
  if (!fs.existsSync(path.join(DIR, "sandbox.json"))) {
    say("no demo sandbox in .sandbox/: nothing to stop");
    return;
  }
  const result = await sandboxDown(DIR);
  const pids = result.hosts.flatMap((h) => [h.sshd, h.chronyd]).flatMap((o) => ("pid" in o ? [o.pid] : []));
  say(`stopped ${result.hosts.length} host(s): ${pids.length} sshd and chronyd processes, by pid`);
  fs.rmSync(DIR, { recursive: true, force: true });
  say("removed .sandbox/ (sandbox, synth output, Terraform state and the demo's keys)");
}

const verb = process.argv[2] ?? "up";
(verb === "down" ? down() : verb === "up" ? up() : Promise.reject(new Error(`usage: demo [up|down], got '${verb}'`))).catch((err: Error) =>
  fail(err.message),
);
