import { CmdmonClient, type CmdmonClientOptions } from "./client";
import type { Endpoint } from "./endpoint";

export interface QueryManyOptions {
  /** How many endpoints are queried at once. @default 64 */
  readonly concurrency?: number;
  /** Timeout and retries for every endpoint's client. */
  readonly client?: Omit<CmdmonClientOptions, "host" | "port">;
}

export type EndpointResult<E extends Endpoint, T> =
  | { readonly endpoint: E; readonly ok: true; readonly value: T }
  | { readonly endpoint: E; readonly ok: false; readonly error: Error };

/**
 * Runs `query` against every endpoint, at most `concurrency` at a time, each with its own client
 * (closed afterwards), and yields each result as soon as it is in: a slow or dead host holds up only
 * its own slot, never the results of the others.
 */
export async function* queryMany<E extends Endpoint, T>(
  endpoints: Iterable<E>,
  query: (client: CmdmonClient, endpoint: E) => Promise<T>,
  options: QueryManyOptions = {},
): AsyncGenerator<EndpointResult<E, T>, void, undefined> {
  const concurrency = options.concurrency ?? 64;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new TypeError(`queryMany concurrency must be an integer of at least 1, got ${options.concurrency}`);
  }
  const iterator = endpoints[Symbol.iterator]();
  const running = new Map<number, Promise<{ id: number; result: EndpointResult<E, T> }>>();
  let nextId = 0;
  const start = (endpoint: E): void => {
    const id = nextId++;
    running.set(id, runOne(endpoint, query, options.client).then((result) => ({ id, result })));
  };
  const fill = (): void => {
    while (running.size < concurrency) {
      const next = iterator.next();
      if (next.done) return;
      start(next.value);
    }
  };
  fill();
  while (running.size > 0) {
    const { id, result } = await Promise.race(running.values());
    running.delete(id);
    fill();
    yield result;
  }
}

async function runOne<E extends Endpoint, T>(
  endpoint: E,
  query: (client: CmdmonClient, endpoint: E) => Promise<T>,
  clientOptions: QueryManyOptions["client"],
): Promise<EndpointResult<E, T>> {
  let client: CmdmonClient | undefined;
  try {
    client = new CmdmonClient({ ...clientOptions, host: endpoint.host, port: endpoint.port });
    return { endpoint, ok: true, value: await query(client, endpoint) };
  } catch (error) {
    return { endpoint, ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  } finally {
    await client?.close();
  }
}
