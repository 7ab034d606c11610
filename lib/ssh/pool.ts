import type { Client } from "ssh2";

/** An open connection to a jump host, shared by the sessions that go through it. */
export interface JumpLink {
  readonly client: Client;
  /** Where it goes, for messages ("198.18.0.2:22"). */
  readonly where: string;
}

/** SSH connections a pool opened, by kind. */
export interface PoolStats {
  /** Connections to jump hosts (each opened once per pool while it stays up). */
  readonly jump: number;
  /** Connections to targets (one per session). */
  readonly target: number;
}

/**
 * Keeps jump-host connections open for the sessions of one command: `drift` or `verify` over a
 * fleet behind a bastion open one bastion connection, and a forwarded channel of it per host,
 * instead of one bastion connection per host. Targets are not shared: each session is its own
 * connection. A jump connection that drops is opened again on next use. `close()` ends them all.
 */
export class SshConnectionPool {
  private readonly links = new Map<string, Promise<JumpLink>>();
  private readonly opened = { jump: 0, target: 0 };
  private closed = false;

  /** How many connections this pool has opened so far. */
  public stats(): PoolStats {
    return { ...this.opened };
  }

  /** @internal Counts a connection opened for a session that uses this pool. */
  public count(kind: keyof PoolStats): void {
    this.opened[kind]++;
  }

  /** @internal The shared connection for `key` (a chain of hops), opened with `open` the first time. */
  public jump(key: string, open: () => Promise<JumpLink>): Promise<JumpLink> {
    if (this.closed) return Promise.reject(new Error("the SSH connection pool is closed"));
    let link = this.links.get(key);
    if (link === undefined) {
      link = open().then(
        (l) => {
          l.client.on("close", () => {
            if (this.links.get(key) === link) this.links.delete(key);
          });
          return l;
        },
        (err: unknown) => {
          if (this.links.get(key) === link) this.links.delete(key);
          throw err;
        },
      );
      this.links.set(key, link);
    }
    return link;
  }

  /** Ends every shared connection (after the sessions through them are closed). */
  public async close(): Promise<void> {
    this.closed = true;
    const links = [...this.links.values()];
    this.links.clear();
    await Promise.all(
      links.map((p) =>
        p.then(
          (l) => endClient(l.client),
          () => undefined,
        ),
      ),
    );
  }
}

const closedClients = new WeakSet<Client>();

/** Remembers when a client closes, so that `endClient` never waits for a close that already happened. */
export function trackClosed(client: Client): void {
  client.once("close", () => closedClients.add(client));
}

/** Ends an ssh2 client and waits for it to close; a server that never answers is cut off after 2 s. */
export function endClient(client: Client): Promise<void> {
  if (closedClients.has(client)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, 2000);
    client.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}
