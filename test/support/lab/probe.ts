/**
 * SSH checks that must run as the lab's controller (inside its network namespace), where a test
 * process cannot go: `lab.run([node, probe.js, NAME, LAB_DIR])` prints one JSON result.
 */
import { performance } from "node:perf_hooks";
import { connectSsh } from "../../../lib/ssh/connect";
import { isSshError } from "../../../lib/ssh/errors";
import { SshConnectionPool } from "../../../lib/ssh/pool";
import type { SshConnectOptions, SshHop } from "../../../lib/ssh/types";
import { readLabFile } from "./lab";
import type { LabFile } from "./layout";

type Probe = (lab: LabFile, args: readonly string[]) => Promise<unknown>;

function bastion(lab: LabFile, extra: Partial<SshHop> = {}): SshHop {
  return {
    host: lab.bastion.address,
    user: lab.bastion.user,
    privateKeyPath: lab.controller.privateKeyPath,
    hostKey: { knownHostsPath: lab.controller.knownHostsPath },
    ...extra,
  };
}

function target(lab: LabFile, address: string, extra: Partial<SshConnectOptions> = {}): SshConnectOptions {
  return {
    host: address,
    user: lab.deployUser,
    privateKeyPath: lab.controller.privateKeyPath,
    hostKey: { knownHostsPath: lab.controller.knownHostsPath },
    sudo: true,
    jump: [bastion(lab)],
    readyTimeoutMs: 3000,
    ...extra,
  };
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string } | "connected"> {
  try {
    const s = (await p) as { close(): Promise<void> };
    await s.close();
    return "connected";
  } catch (err) {
    if (isSshError(err)) return { code: err.code, message: err.message };
    throw err;
  }
}

const probes: Record<string, Probe> = {
  /** Every host once, concurrently, with and without a pool: connections opened and wall time. */
  async pool(lab, args) {
    const rounds = Number(args[0] ?? 1);
    const run = async (pool: SshConnectionPool | undefined) => {
      const started = performance.now();
      for (let i = 0; i < rounds; i++) {
        await Promise.all(
          lab.hosts.map(async (h) => {
            const s = await connectSsh(target(lab, h.address, { pool }));
            const r = await s.exec(["chronyc", "-n", "-c", "tracking"], { timeoutMs: 15_000 });
            if (r.code !== 0) throw new Error(`${h.id}: chronyc exited ${r.code}: ${r.stderr}`);
            await s.close();
          }),
        );
      }
      return performance.now() - started;
    };
    const pool = new SshConnectionPool();
    const pooledMs = await run(pool);
    const stats = pool.stats();
    await pool.close();
    const unpooledMs = await run(undefined);
    return { hosts: lab.hosts.length, rounds, pooled: { ...stats, ms: Math.round(pooledMs) }, unpooledMs: Math.round(unpooledMs) };
  },

  /** A jump host whose key is not the one known_hosts lists, and one that refuses to forward. */
  async refusals(lab) {
    const h = lab.hosts[0].address;
    const wrongBastionKey = await failure(
      connectSsh(target(lab, h, { jump: [bastion(lab, { hostKey: { fingerprint: `SHA256:${"A".repeat(43)}` } })] })),
    );
    const notPermitted = await failure(connectSsh(target(lab, "198.19.0.1")));
    const noSuchHost = await failure(connectSsh(target(lab, "198.19.0.200")));
    const wrongUserOnBastion = await failure(connectSsh(target(lab, h, { jump: [bastion(lab, { user: "deploy" })] })));
    return { wrongBastionKey, notPermitted, noSuchHost, wrongUserOnBastion };
  },

  /** What sudo lets the deploy user run: the entry point, and nothing else. */
  async sudo(lab) {
    const s = await connectSsh(target(lab, lab.hosts[0].address));
    try {
      const viaEntry = await s.exec(["id", "-u"]);
      const list = await s.exec(["sudo", "-n", "-l"], { sudo: false });
      const shell = await s.exec(["sudo", "-n", "/bin/sh", "-c", "id -u"], { sudo: false });
      const other = await s.exec(["sudo", "-n", "/usr/bin/id", "-u"], { sudo: false });
      return { viaEntry, list, shell, other };
    } finally {
      await s.close();
    }
  },
};

async function main(): Promise<void> {
  const [name, dir, ...args] = process.argv.slice(2);
  const probe = probes[name];
  if (!probe || !dir) throw new Error(`usage: probe ${Object.keys(probes).join("|")} LAB_DIR [ARGS]`);
  process.stdout.write(`${JSON.stringify(await probe(readLabFile(dir), args))}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`probe: ${err.message}\n`);
  process.exitCode = 1;
});
