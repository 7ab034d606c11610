import * as dgram from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { CmdmonError, isCmdmonError } from "./cmdmon-error";
import { DEFAULT_CMDPORT, formatEndpoint } from "./endpoint";
import {
  activityExchange,
  authDataExchange,
  nSourcesExchange,
  ntpDataExchange,
  ntpSourceNameExchange,
  selectDataExchange,
  serverStatsExchange,
  sourceDataExchange,
  sourceStatsExchange,
  trackingExchange,
  type CmdmonExchange,
} from "./exchanges";
import { replySequence } from "./header";
import { ipAddrToString, parseSourceAddress, type IpAddr } from "./ip-addr";
import { SequenceSource } from "./sequence-source";
import type { SourceDataEntry } from "./source-data";
import type { Activity, AuthData, NtpData, SelectData, ServerStats, SourceReport, SourceStats, Tracking } from "./types";

export interface CmdmonClientOptions {
  /** An IPv4 or IPv6 address (brackets allowed) or a hostname. */
  readonly host: string;
  /** chronyd's `cmdport`. @default 323 */
  readonly port?: number;
  /** How long the first try waits for a reply; each resend waits twice as long, as chronyc does. @default 1000 */
  readonly timeoutMs?: number;
  /** How many times a request is sent in all before giving up (chronyc sends 3). @default 3 */
  readonly retries?: number;
  /**
   * The local address to send from, when the host's `cmdallow` admits only some of this machine's
   * addresses. @default chosen by the kernel
   */
  readonly localAddress?: string;
}

export interface SourceListOptions {
  /** Ask chronyd for each NTP source's configured name (NTP_SOURCE_NAME), like `chronyc -N`. @default true */
  readonly names?: boolean;
  /** Keep sources whose hostname is not resolved yet (address `ID#…`), like `chronyc sources -a`. @default true */
  readonly includeUnresolved?: boolean;
}

interface PendingRequest {
  readonly sequences: number[];
  readonly onReply: (bytes: Buffer, sequence: number) => void;
  readonly onFailure: (error: Error) => void;
}

const RECEIVE_BUFFER_BYTES = 1 << 20;

/**
 * A chronyd command-protocol client over UDP: one socket per client, any number of requests in
 * flight, replies routed by their sequence number. Commands chronyd serves only on its Unix socket
 * (ntpdata, authdata, selectdata, serverstats) fail here with code `unauthorised`; read those with
 * `chronyc -c` on the host (see chronyc-csv.ts).
 */
export class CmdmonClient {
  public readonly host: string;
  public readonly port: number;
  /** `host:port` as messages show it (`[::1]:323` for IPv6). */
  public readonly endpoint: string;
  private readonly timeoutMs: number;
  private readonly tries: number;
  private readonly localAddress?: string;
  private readonly sequences = new SequenceSource();
  private readonly pending = new Map<number, PendingRequest>();
  private socket?: Promise<dgram.Socket>;
  private closed = false;

  constructor(options: CmdmonClientOptions) {
    this.host = options.host.startsWith("[") && options.host.endsWith("]") ? options.host.slice(1, -1) : options.host;
    if (this.host === "") throw new TypeError("CmdmonClient needs a host, got an empty string");
    this.port = options.port ?? DEFAULT_CMDPORT;
    if (!Number.isInteger(this.port) || this.port < 1 || this.port > 65535) {
      throw new TypeError(`CmdmonClient port must be an integer from 1 to 65535, got ${options.port}`);
    }
    this.timeoutMs = options.timeoutMs ?? 1000;
    if (!(this.timeoutMs > 0) || !Number.isFinite(this.timeoutMs)) {
      throw new TypeError(`CmdmonClient timeoutMs must be a positive number of milliseconds, got ${options.timeoutMs}`);
    }
    this.tries = options.retries ?? 3;
    if (!Number.isInteger(this.tries) || this.tries < 1) {
      throw new TypeError(`CmdmonClient retries must be an integer of at least 1 (sends in all), got ${options.retries}`);
    }
    this.endpoint = formatEndpoint(this.host, this.port);
    if (options.localAddress !== undefined) {
      if (isIP(options.localAddress) === 0) {
        throw new TypeError(`CmdmonClient localAddress must be an IP address, got '${options.localAddress}'`);
      }
      this.localAddress = options.localAddress;
    }
  }

  tracking(): Promise<Tracking> {
    return this.request(trackingExchange);
  }

  nSources(): Promise<number> {
    return this.request(nSourcesExchange);
  }

  sourceData(index: number): Promise<SourceDataEntry> {
    return this.request(sourceDataExchange(index));
  }

  /** N_SOURCES, then SOURCE_DATA for every index (all in flight at once), then the NTP sources' names. */
  async sources(options: SourceListOptions = {}): Promise<SourceReport[]> {
    const entries = await this.eachSource((index) => this.sourceData(index));
    const kept = entries.filter((e) => options.includeUnresolved !== false || !e.source.address.startsWith("ID#"));
    if (options.names === false) return kept.map((e) => e.source);
    return Promise.all(
      kept.map(async (e) => {
        if (e.source.mode === "refclock") return e.source;
        const name = await this.optionalSourceName(e.ipAddr);
        return name === undefined ? e.source : { ...e.source, name };
      }),
    );
  }

  async sourceStats(options: SourceListOptions = {}): Promise<SourceStats[]> {
    const stats = await this.eachSource((index) => this.request(sourceStatsExchange(index)));
    const kept = stats.filter((s) => options.includeUnresolved !== false || !s.address.startsWith("ID#"));
    if (options.names === false) return kept;
    return Promise.all(
      kept.map(async (s) => {
        const addr = parseSourceAddress(s.address);
        const name = addr === undefined ? undefined : await this.optionalSourceName(addr);
        return name === undefined ? s : { ...s, name };
      }),
    );
  }

  activity(): Promise<Activity> {
    return this.request(activityExchange);
  }

  /** The name an NTP source was configured with. Refclocks and unknown addresses: code `no-such-source`. */
  sourceName(address: string | IpAddr): Promise<string> {
    return this.request(ntpSourceNameExchange(toIpAddr(address)));
  }

  /** Unix socket only in chronyd 4.3: over UDP this fails with code `unauthorised`. */
  ntpData(address: string | IpAddr): Promise<NtpData> {
    return this.request(ntpDataExchange(toIpAddr(address)));
  }

  /** Unix socket only in chronyd 4.3: over UDP this fails with code `unauthorised`. */
  async authData(address: string | IpAddr): Promise<AuthData> {
    const addr = toIpAddr(address);
    const fields = await this.request(authDataExchange(addr));
    return { address: ipAddrToString(addr), ...fields };
  }

  /** Unix socket only in chronyd 4.3: over UDP this fails with code `unauthorised`. */
  selectData(index: number): Promise<SelectData> {
    return this.request(selectDataExchange(index));
  }

  /** Unix socket only in chronyd 4.3: over UDP this fails with code `unauthorised`. */
  serverStats(): Promise<ServerStats> {
    return this.request(serverStatsExchange);
  }

  /**
   * Sends one request and waits for its reply: a new random sequence on every try, the wait doubling
   * each time. A late reply to an earlier try of the same request is accepted too.
   */
  async request<T>(exchange: CmdmonExchange<T>): Promise<T> {
    if (this.closed) throw new CmdmonError("closed", `${exchange.name} to ${this.endpoint}: the client is closed`);
    const socket = await this.openSocket();
    return new Promise<T>((resolve, reject) => {
      const sequences: number[] = [];
      let timer: NodeJS.Timeout | undefined;
      let attempt = 0;
      const finish = (): void => {
        if (timer) clearTimeout(timer);
        for (const s of sequences) this.pending.delete(s);
      };
      const fail = (error: Error): void => {
        finish();
        reject(error);
      };
      const pending: PendingRequest = {
        sequences,
        onReply: (bytes, sequence) => {
          let value: T;
          try {
            value = exchange.decode(bytes, sequence);
          } catch (error) {
            // chronyc ignores a reply to another command that happens to carry our sequence.
            if (isCmdmonError(error) && error.code === "mismatch") return;
            fail(error as Error);
            return;
          }
          finish();
          resolve(value);
        },
        onFailure: fail,
      };
      const send = (): void => {
        if (attempt >= this.tries) {
          fail(
            new CmdmonError(
              "timeout",
              `no reply from ${this.endpoint}: is this address in cmdallow, bindcmdaddress not loopback-only, and UDP ${this.port} open?`,
            ),
          );
          return;
        }
        let sequence = this.sequences.draw();
        while (this.pending.has(sequence)) sequence = this.sequences.draw();
        let datagram: Buffer;
        try {
          datagram = exchange.encode({ sequence, attempt });
        } catch (error) {
          fail(error as Error);
          return;
        }
        sequences.push(sequence);
        this.pending.set(sequence, pending);
        timer = setTimeout(send, this.timeoutMs * 2 ** attempt);
        attempt++;
        socket.send(datagram, (error) => {
          if (error) fail(this.transportError(error));
        });
      };
      send();
    });
  }

  /** Stops every request in flight (they fail with code `closed`) and releases the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new CmdmonError("closed", `request to ${this.endpoint} stopped: the client was closed`));
    const socket = await this.socket?.catch(() => undefined);
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private async eachSource<T>(query: (index: number) => Promise<T>): Promise<T[]> {
    const count = await this.nSources();
    const results = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        query(index).catch((error: unknown) => {
          // The list shrank between N_SOURCES and this index: the source is gone, not an error.
          if (isCmdmonError(error) && error.code === "no-such-source") return undefined;
          throw error;
        }),
      ),
    );
    return results.filter((r): r is Awaited<T> => r !== undefined);
  }

  private async optionalSourceName(addr: IpAddr): Promise<string | undefined> {
    try {
      return await this.request(ntpSourceNameExchange(addr));
    } catch (error) {
      if (isCmdmonError(error) && error.code === "no-such-source") return undefined;
      throw error;
    }
  }

  private openSocket(): Promise<dgram.Socket> {
    this.socket ??= this.connect();
    return this.socket;
  }

  private async connect(): Promise<dgram.Socket> {
    let address = this.host;
    let family = isIP(address);
    if (family === 0) {
      try {
        ({ address, family } = await lookup(this.host));
      } catch (error) {
        this.socket = undefined;
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        throw new CmdmonError("socket", `cannot resolve '${this.host}' (${code}): check the hostname or give an address`);
      }
    }
    const socket = dgram.createSocket({ type: family === 6 ? "udp6" : "udp4", recvBufferSize: RECEIVE_BUFFER_BYTES });
    socket.on("message", (bytes) => {
      const sequence = replySequence(bytes);
      if (sequence === undefined) return;
      this.pending.get(sequence)?.onReply(bytes, sequence);
    });
    // On a connected socket the kernel reports an ICMP port unreachable as ECONNREFUSED; it cannot
    // say which request caused it, but then no request to this endpoint can succeed.
    socket.on("error", (error) => this.failAll(this.transportError(error)));
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        socket.close();
        reject(this.transportError(error));
      };
      socket.once("error", onError);
      const connect = (): void =>
        socket.connect(this.port, address, () => {
          socket.off("error", onError);
          resolve();
        });
      if (this.localAddress === undefined) connect();
      else socket.bind({ address: this.localAddress, port: 0 }, connect);
    });
    // An idle client must not keep the process alive; a request in flight does, through its timer.
    socket.unref();
    if (this.closed) {
      socket.close();
      throw new CmdmonError("closed", `request to ${this.endpoint} stopped: the client was closed`);
    }
    return socket;
  }

  private failAll(error: Error): void {
    for (const request of new Set(this.pending.values())) request.onFailure(error);
  }

  private transportError(error: Error): CmdmonError {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ECONNREFUSED") {
      return new CmdmonError("unreachable", `nothing listens on ${this.endpoint} (chronyd not running or cmdport differs)`);
    }
    return new CmdmonError("socket", `UDP to ${this.endpoint} failed: ${code ?? error.message}`);
  }
}

function toIpAddr(address: string | IpAddr): IpAddr {
  if (typeof address !== "string") return address;
  const addr = parseSourceAddress(address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address);
  if (!addr) throw new TypeError(`'${address}' is not an IPv4 or IPv6 address (or ID#NNNNNNNNNN); chronyd looks sources up by address`);
  return addr;
}
