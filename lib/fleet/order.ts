import { ConfigError } from "../model/config-error";
import type { HostDeclaration, RolloutDeclaration } from "./declaration";

/**
 * The order in which a stack's push resources run, as Terraform `depends_on` edges: no scheduler of
 * ours, Terraform's graph does the work.
 *
 * - A client follows the hosts of its stack that it uses as servers: they apply first.
 * - Peers are not ordered: a peering is symmetric, so either order would be arbitrary, and ordering
 *   both ways is a cycle.
 * - A rollout's waves follow each other through gates: gate k waits for every host of wave k (and
 *   gate k-1); every host of wave k+1 waits for gate k.
 * - Hosts in other stacks are not ordered: one Terraform graph cannot wait for another stack's
 *   resources (order stacks with `cdktf deploy` and stack dependencies instead).
 *
 * Where server edges close a cycle (hosts that serve each other, or a client placed in an earlier
 * wave than its server), the server edges inside that strongly connected part are dropped: those
 * hosts are not ordered among themselves, and the waves win. What is left is acyclic.
 */
export interface PushOrder {
  /** Per host ref: the refs of the hosts (same stack) whose push resources it waits for, sorted. */
  readonly after: ReadonlyMap<string, readonly string[]>;
}

/** Checks the rollouts against the hosts: known hosts of the rollout's stack, each in one wave of one rollout. */
export function checkRollouts(hosts: ReadonlyMap<string, HostDeclaration>, rollouts: readonly RolloutDeclaration[]): void {
  const placed = new Map<string, string>();
  for (const r of rollouts) {
    r.waves.forEach((wave, w) => {
      for (const ref of wave) {
        const host = hosts.get(ref);
        if (!host) throw new ConfigError(`rollout ${r.ref}: wave ${w + 1} names ${ref}, which is not a host of this app`);
        if (host.stack !== r.stack) {
          throw new ConfigError(
            `rollout ${r.ref} is in stack ${r.stack} but host ${host.id} is in stack ${host.stack}: a rollout orders the hosts of its own stack; give each stack its own Rollout`,
          );
        }
        const other = placed.get(ref);
        if (other !== undefined) {
          throw new ConfigError(`host ${host.id} is in two waves (${other} and ${r.ref} wave ${w + 1}): put each host in one wave of one rollout`);
        }
        placed.set(ref, `${r.ref} wave ${w + 1}`);
      }
    });
  }
}

/** The push order of a fleet (see {@link PushOrder}); deterministic for the same declarations. */
export function orderPushes(hosts: ReadonlyMap<string, HostDeclaration>, rollouts: readonly RolloutDeclaration[]): PushOrder {
  // Nodes: hosts by ref, then one per gate (names starting with NUL, which no ref holds).
  const index = new Map<string, number>();
  const names: string[] = [];
  const node = (name: string) => {
    let i = index.get(name);
    if (i === undefined) {
      i = names.length;
      index.set(name, i);
      names.push(name);
    }
    return i;
  };
  for (const ref of hosts.keys()) node(ref);
  const edges: number[][] = [];
  const edge = (from: number, to: number) => (edges[from] ??= []).push(to);

  // Server edges: client → server, same stack only.
  const serverEdges: Array<readonly [number, number]> = [];
  for (const host of hosts.values()) {
    const from = index.get(host.ref)!;
    for (const s of host.sources) {
      if (s.kind !== "server" || !("host" in s.to)) continue;
      const server = hosts.get(s.to.host);
      if (!server || server.stack !== host.stack || server.ref === host.ref) continue;
      const to = index.get(server.ref)!;
      edge(from, to);
      serverEdges.push([from, to]);
    }
  }
  // Wave edges: gate k → hosts of wave k and gate k-1; hosts of wave k+1 → gate k.
  for (const r of rollouts) {
    let previousGate: number | undefined;
    r.waves.forEach((wave, w) => {
      if (previousGate !== undefined) for (const ref of wave) edge(index.get(ref)!, previousGate);
      if (w === r.waves.length - 1) return;
      const gate = node(`\0gate ${r.ref} ${w}`);
      for (const ref of wave) edge(gate, index.get(ref)!);
      if (previousGate !== undefined) edge(gate, previousGate);
      previousGate = gate;
    });
  }

  const component = stronglyConnected(names.length, edges);
  const kept = new Map<string, string[]>();
  for (const [from, to] of serverEdges) {
    if (component[from] === component[to]) continue;
    const list = kept.get(names[from]) ?? [];
    if (!list.includes(names[to])) list.push(names[to]);
    kept.set(names[from], list);
  }
  const after = withoutEdgesTheGatesImply(kept, rollouts);
  for (const list of after.values()) list.sort();
  return { after };
}

/**
 * A host of wave k+1 waits for gate k, which waits for every host of waves 1..k and for the servers
 * they wait for: an edge to one of those is implied, and Terraform's graph is smaller without it
 * (a fleet in a rollout keeps about one edge per host instead of one per server).
 */
function withoutEdgesTheGatesImply(after: Map<string, string[]>, rollouts: readonly RolloutDeclaration[]): Map<string, string[]> {
  for (const r of rollouts) {
    const before = new Set<string>();
    r.waves.forEach((wave, w) => {
      if (w > 0) {
        for (const ref of wave) {
          const list = after.get(ref);
          if (!list) continue;
          const left = list.filter((s) => !before.has(s));
          if (left.length === 0) after.delete(ref);
          else after.set(ref, left);
        }
      }
      for (const ref of wave) {
        before.add(ref);
        for (const s of after.get(ref) ?? []) before.add(s);
      }
    });
  }
  return after;
}

/** Tarjan's algorithm, iterative (fleets of many thousands of hosts): each node's component number. */
function stronglyConnected(count: number, edges: readonly (readonly number[] | undefined)[]): Int32Array {
  const component = new Int32Array(count).fill(-1);
  const order = new Int32Array(count).fill(-1);
  const low = new Int32Array(count);
  const onStack = new Uint8Array(count);
  const stack: number[] = [];
  let counter = 0;
  let components = 0;
  for (let root = 0; root < count; root++) {
    if (order[root] !== -1) continue;
    // Each frame: the node and the position of the next edge to follow.
    const frames: Array<[number, number]> = [[root, 0]];
    order[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      const [v, next] = frame;
      const out = edges[v];
      if (out && next < out.length) {
        frame[1] = next + 1;
        const w = out[next];
        if (order[w] === -1) {
          order[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          frames.push([w, 0]);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v], order[w]);
        }
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1][0];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === order[v]) {
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          component[w] = components;
        } while (w !== v);
        components++;
      }
    }
  }
  return component;
}
