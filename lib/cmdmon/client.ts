import { randomFillSync } from "node:crypto";
import * as dgram from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { UserError } from "../errors";
import { Status } from "./protocol";
import { decodeReply, encodeRequest, Reports, type Report } from "./reports";
import {
  CmdmonError,
  isCmdmonError,
  type Activity,
  type AuthData,
  type IpAddr,
  type NtpData,
  type RtcReport,
  type SelectData,
  type ServerStats,
  type SourceDataEntry,
  type SourceReport,
  type SourceStats,
  type Tracking,
} from "./types";
import { parseSourceAddress, replyFramingProblem, replySequence } from "./wire";

// The UDP transport: endpoints as users type them, the client (one socket, requests routed by
// sequence, retries with a doubling wait, a bound on requests in flight, a deadline per call), and
// queryMany for many endpoints at once.

// ---- endpoints

/** Where a chronyd answers command-protocol requests. */
export interface Endpoint {
  /** An IPv4 address, an IPv6 address without brackets, or a hostname. */
  readonly host: string;
  /** @default 323 */
  readonly port?: number;
}

/** chronyd's default `cmdport`. */
export const DEFAULT_CMDPORT = 323;

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;
// Labels the resolver would read as the old inet_aton forms of an IPv4 address (127.1, 0x7f.1, 017.0.0.1).
const NUMERIC_LABEL = /^(?:0x[0-9a-f]*|\d+)$/i;

/** What is wrong with `host` as an IP address (as `node:net` `isIP` takes it) or a hostname, or undefined when it is one. */
function hostProblem(host: string): string | undefined {
  if (isIP(host) !== 0) return undefined;
  if (
    host
      .replace(/\.$/, "")
      .split(".")
      .every((label) => NUMERIC_LABEL.test(label))
  ) {
    return "is not a valid IPv4 address (four numbers from 0 to 255 without leading zeros, e.g. 192.0.2.10)";
  }
  if (!HOSTNAME.test(host)) return "is neither an address nor a hostname";
  return undefined;
}

/** `host:port`, with brackets around an IPv6 address as in URLs: `[::1]:323`. */
export function formatEndpoint(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Reads `HOST[:PORT]` as users type it: `127.0.0.1`, `127.0.0.1:11323`, `::1`, `[::1]`, `[::1]:11323`,
 * `ntp1.example.com`. Addresses are checked with `node:net` `isIP`. Throws UserError naming the bad part.
 */
export function parseEndpoint(text: string, defaultPort = DEFAULT_CMDPORT): Required<Endpoint> {
  const usage = "use HOST[:PORT], e.g. 192.0.2.10, 192.0.2.10:323, [2001:db8::1]:323 or ntp1.example.com";
  let host: string;
  let portText: string | undefined;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) throw new UserError(`missing ']' in '${text}': ${usage}`);
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) throw new UserError(`unexpected '${rest}' after ']' in '${text}': ${usage}`);
      portText = rest.slice(1);
    }
    if (isIP(host) !== 6 || host.includes("%")) throw new UserError(`'${host}' in '${text}' is not an IPv6 address: ${usage}`);
  } else if (text.indexOf(":") !== text.lastIndexOf(":")) {
    // Two or more colons without brackets can only be a bare IPv6 address, which has no port.
    host = text;
    if (isIP(host) !== 6 || host.includes("%")) {
      throw new UserError(`'${text}' is not an IPv6 address (put an IPv6 address with a port in brackets, e.g. [::1]:323): ${usage}`);
    }
  } else {
    const colon = text.indexOf(":");
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
    if (host === "") throw new UserError(`no host in '${text}': ${usage}`);
    const problem = hostProblem(host);
    if (problem !== undefined) throw new UserError(`'${host}' in '${text}' ${problem}: ${usage}`);
  }
  if (portText === undefined) return { host, port: defaultPort };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw new UserError(`invalid port '${portText}' in '${text}': the port must be a number from 1 to 65535 (chronyd's cmdport, 323 by default)`);
  }
  return { host, port: Number(portText) };
}

// ---- the client

/** How to reach one chronyd and how long to wait for it. */
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
   * The longest one call may take in all, every request it makes included (`sources()` makes one per
   * source and two rounds of them); when it passes, the call fails with code `timeout`.
   * @default timeoutMs × (2^retries − 1), the time one unanswered request takes with all its tries
   */
  readonly deadlineMs?: number;
  /** How many requests this client has on the wire at once; more wait for a free slot. @default 16 */
  readonly maxInFlight?: number;
  /**
   * The local address to send from, when the host's `cmdallow` admits only some of this machine's
   * addresses. @default chosen by the kernel
   */
  readonly localAddress?: string;
}

/** Options of `CmdmonClient.sources()` and `sourceStats()`. */
export interface SourceListOptions {
  /** Ask chronyd for each NTP source's configured name (NTP_SOURCE_NAME), like `chronyc -N`. @default true */
  readonly names?: boolean;
  /** Keep sources whose hostname is not resolved yet (address `ID#…`), like `chronyc sources -a`. @default true */
  readonly includeUnresolved?: boolean;
}

interface PendingRequest {
  readonly onReply: (bytes: Buffer, sequence: number) => void;
  readonly onFailure: (error: Error) => void;
}

interface SlotWaiter {
  readonly grant: () => void;
}

const RECEIVE_BUFFER_BYTES = 1 << 20;
const MIN_TRY_MS = 2;

/**
 * Random 32-bit request sequences, as chronyc draws them; drawn from a refilled pool because a busy
 * client sends thousands of requests a second.
 */
class SequenceSource {
  private readonly pool = new Uint32Array(256);
  private next = this.pool.length;

  draw(): number {
    if (this.next === this.pool.length) {
      randomFillSync(this.pool);
      this.next = 0;
    }
    return this.pool[this.next++];
  }
}

/**
 * A chronyd command-protocol client over UDP (IPv4 or IPv6): one connected socket per client, so
 * datagrams from any other address or port never reach it; replies routed by their sequence number;
 * at most `maxInFlight` requests on the wire; every call bounded by its deadline. A reply is never
 * trusted: one chronyc would not take as the answer (wrong length, sequence, command, version) is
 * ignored, and one with a value chronyd never sends fails the call with a CmdmonError.
 *
 * Commands chronyd serves only on its Unix socket (ntpdata, authdata, selectdata, serverstats) fail
 * here with code `unauthorised`; read those with `chronyc -c` on the host (see `parseChronycNtpData`).
 */
export class CmdmonClient {
  /** The host as given, without brackets. */
  public readonly host: string;
  /** chronyd's command port. */
  public readonly port: number;
  /** `host:port` as messages show it (`[::1]:323` for IPv6). */
  public readonly endpoint: string;
  private readonly timeoutMs: number;
  private readonly tries: number;
  private readonly deadlineMs: number;
  private readonly maxInFlight: number;
  private readonly localAddress?: string;
  private readonly sequences = new SequenceSource();
  private readonly pending = new Map<number, PendingRequest>();
  private readonly slotQueue: SlotWaiter[] = [];
  private inFlight = 0;
  private ignoredReplies = 0;
  private lastIgnored = "";
  private socket?: Promise<dgram.Socket>;
  private closed = false;

  constructor(options: CmdmonClientOptions) {
    this.host = options.host.startsWith("[") && options.host.endsWith("]") ? options.host.slice(1, -1) : options.host;
    if (this.host === "") throw new TypeError("CmdmonClient needs a host, got an empty string");
    const problem = hostProblem(this.host);
    if (problem !== undefined) throw new TypeError(`CmdmonClient host '${this.host}' ${problem}`);
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
    this.deadlineMs = options.deadlineMs ?? this.timeoutMs * (2 ** this.tries - 1);
    if (!(this.deadlineMs > 0) || !Number.isFinite(this.deadlineMs)) {
      throw new TypeError(`CmdmonClient deadlineMs must be a positive number of milliseconds, got ${options.deadlineMs}`);
    }
    this.maxInFlight = options.maxInFlight ?? 16;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) {
      throw new TypeError(`CmdmonClient maxInFlight must be an integer of at least 1, got ${options.maxInFlight}`);
    }
    this.endpoint = formatEndpoint(this.host, this.port);
    if (options.localAddress !== undefined) {
      if (isIP(options.localAddress) === 0) {
        throw new TypeError(`CmdmonClient localAddress must be an IP address, got '${options.localAddress}'`);
      }
      this.localAddress = options.localAddress;
    }
  }

  /** `chronyc tracking`. */
  tracking(): Promise<Tracking> {
    return this.query(Reports.TRACKING);
  }

  /** How many sources chronyd has (at most `MAX_SOURCES`, else the reply is refused). */
  nSources(): Promise<number> {
    return this.query(Reports.N_SOURCES);
  }

  /** One source by index; code `no-such-source` past the last one. */
  sourceData(index: number): Promise<SourceDataEntry> {
    return this.query(Reports.SOURCE_DATA, index);
  }

  /**
   * `chronyc -N sources`: N_SOURCES, then SOURCE_DATA for every index, then the NTP sources' names,
   * `maxInFlight` requests at a time, all within one deadline.
   */
  async sources(options: SourceListOptions = {}): Promise<SourceReport[]> {
    const deadline = this.deadlineFromNow();
    const entries = await this.eachSource(Reports.SOURCE_DATA, deadline);
    const kept = entries.filter((e) => options.includeUnresolved !== false || !e.source.address.startsWith("ID#"));
    if (options.names === false) return kept.map((e) => e.source);
    return this.bounded(kept.length, async (i) => {
      const { source, ipAddr } = kept[i];
      if (source.mode === "refclock") return source;
      const name = await this.optionalSourceName(ipAddr, deadline);
      return name === undefined ? source : { ...source, name };
    });
  }

  /** `chronyc -N sourcestats`, fetched as `sources()` is. */
  async sourceStats(options: SourceListOptions = {}): Promise<SourceStats[]> {
    const deadline = this.deadlineFromNow();
    const stats = await this.eachSource(Reports.SOURCESTATS, deadline);
    const kept = stats.filter((s) => options.includeUnresolved !== false || !s.address.startsWith("ID#"));
    if (options.names === false) return kept;
    return this.bounded(kept.length, async (i) => {
      const s = kept[i];
      const addr = parseSourceAddress(s.address);
      const name = addr === undefined ? undefined : await this.optionalSourceName(addr, deadline);
      return name === undefined ? s : { ...s, name };
    });
  }

  /** `chronyc activity`. */
  activity(): Promise<Activity> {
    return this.query(Reports.ACTIVITY);
  }

  /**
   * `chronyc rtcdata`: the RTC chronyd tracks, or null when it tracks none (status NORTC: no
   * `rtcfile`, or no RTC device it can use; hosts with `rtcsync` let the kernel keep the RTC instead).
   */
  async rtcData(): Promise<RtcReport | null> {
    try {
      return await this.query(Reports.RTCREPORT);
    } catch (error) {
      if (isCmdmonError(error) && error.status === Status.NORTC) return null;
      throw error;
    }
  }

  /** The name an NTP source was configured with. Refclocks and unknown addresses: code `no-such-source`. */
  sourceName(address: string | IpAddr): Promise<string> {
    return this.query(Reports.NTP_SOURCE_NAME, toIpAddr(address));
  }

  /** `chronyc ntpdata` for one source. Unix socket only in chronyd 4.3: over UDP this fails with code `unauthorised`. */
  ntpData(address: string | IpAddr): Promise<NtpData> {
    return this.query(Reports.NTP_DATA, toIpAddr(address));
  }

  /** `chronyc authdata` for one source. Unix socket only in chronyd 4.3: over UDP this fails with code `unauthorised`. */
  authData(address: string | IpAddr): Promise<AuthData> {
    return this.query(Reports.AUTH_DATA, toIpAddr(address));
  }

  /** `chronyc selectdata` for one source. Unix socket only in chronyd 4.3: over UDP this fails with code `unauthorised`. */
  selectData(index: number): Promise<SelectData> {
    return this.query(Reports.SELECT_DATA, index);
  }

  /** `chronyc serverstats`. Unix socket only in chronyd 4.3: over UDP this fails with code `unauthorised`. */
  serverStats(): Promise<ServerStats> {
    return this.query(Reports.SERVER_STATS);
  }

  /**
   * One exchange of any report in `Reports`: a new random sequence on every try, the wait doubling
   * each time, a late reply to an earlier try accepted, the whole call within `deadlineMs`.
   */
  query<Args extends readonly unknown[], Value>(report: Report<Args, Value>, ...args: Args): Promise<Value> {
    return this.exchange(report, args, this.deadlineFromNow());
  }

  /** Stops every request in flight or waiting (they fail with code `closed`) and releases the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(this.closedError());
    const socket = await this.socket?.catch(() => undefined);
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private deadlineFromNow(): number {
    return performance.now() + this.deadlineMs;
  }

  private async exchange<Args extends readonly unknown[], Value>(report: Report<Args, Value>, args: Args, deadline: number): Promise<Value> {
    if (this.closed) throw this.closedError();
    const socket = await this.openSocket();
    await this.takeSlot(report.name, deadline);
    try {
      if (this.closed) throw this.closedError();
      return await this.send(socket, report, args, deadline);
    } finally {
      this.releaseSlot();
    }
  }

  private send<Args extends readonly unknown[], Value>(
    socket: dgram.Socket,
    report: Report<Args, Value>,
    args: Args,
    deadline: number,
  ): Promise<Value> {
    return new Promise<Value>((resolve, reject) => {
      const sequences: number[] = [];
      const ignoredBefore = this.ignoredReplies;
      let timer: NodeJS.Timeout | undefined;
      let attempt = 0;
      let lastWaitCut = false;
      const finish = (): void => {
        if (timer) clearTimeout(timer);
        for (const s of sequences) this.pending.delete(s);
      };
      const fail = (error: Error): void => {
        finish();
        reject(error);
      };
      const pending: PendingRequest = {
        onReply: (bytes, sequence) => {
          // chronyc ignores a datagram that is not a reply to this request and keeps waiting.
          const problem = replyFramingProblem(bytes, report, sequence);
          if (problem) {
            this.noteIgnored(problem.message);
            return;
          }
          let value: Value;
          try {
            value = decodeReply(report, bytes, sequence, ...args);
          } catch (error) {
            fail(error as Error);
            return;
          }
          finish();
          resolve(value);
        },
        onFailure: fail,
      };
      const tryOnce = (): void => {
        const remaining = deadline - performance.now();
        if (attempt >= this.tries) {
          fail(lastWaitCut ? this.deadlineError(report.name, attempt, ignoredBefore) : this.noReplyError(ignoredBefore));
          return;
        }
        // Timers fire up to a millisecond early: a try with less left could never be waited for.
        if (remaining < MIN_TRY_MS) {
          fail(this.deadlineError(report.name, attempt, ignoredBefore));
          return;
        }
        let sequence = this.sequences.draw();
        while (this.pending.has(sequence)) sequence = this.sequences.draw();
        let datagram: Buffer;
        try {
          datagram = encodeRequest(report, { sequence, attempt }, ...args);
        } catch (error) {
          fail(error as Error);
          return;
        }
        sequences.push(sequence);
        this.pending.set(sequence, pending);
        const wait = this.timeoutMs * 2 ** attempt;
        // Blame the deadline only when it took most of the last wait, not the moments spent
        // opening the socket before the first try.
        lastWaitCut = remaining < wait / 2;
        timer = setTimeout(tryOnce, Math.min(wait, remaining));
        attempt++;
        socket.send(datagram, (error) => {
          if (error) fail(this.transportError(error));
        });
      };
      tryOnce();
    });
  }

  /** Waits for one of the `maxInFlight` slots, at most until the deadline. */
  private takeSlot(name: string, deadline: number): Promise<void> {
    if (this.inFlight < this.maxInFlight) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: SlotWaiter = {
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(
        () => {
          const at = this.slotQueue.indexOf(waiter);
          if (at >= 0) this.slotQueue.splice(at, 1);
          reject(this.deadlineError(name, 0, this.ignoredReplies));
        },
        Math.max(0, deadline - performance.now()),
      );
      this.slotQueue.push(waiter);
    });
  }

  private releaseSlot(): void {
    const next = this.slotQueue.shift();
    // The slot passes straight to the next waiter, so inFlight stays as it is.
    if (next) next.grant();
    else this.inFlight--;
  }

  /** N_SOURCES, then `report` for every index, `maxInFlight` at a time; sources gone meanwhile are skipped. */
  private async eachSource<T>(report: Report<[index: number], T>, deadline: number): Promise<T[]> {
    const count = await this.exchange(Reports.N_SOURCES, [], deadline);
    const results = await this.bounded(count, async (index) => {
      try {
        return await this.exchange(report, [index], deadline);
      } catch (error) {
        // The list shrank between N_SOURCES and this index: the source is gone, not an error.
        if (isCmdmonError(error) && error.code === "no-such-source") return undefined;
        throw error;
      }
    });
    return results.filter((r): r is Awaited<T> => r !== undefined);
  }

  /** `task` for indices 0..count−1 with `maxInFlight` running at once; the first failure stops the rest. */
  private async bounded<T>(count: number, task: (index: number) => Promise<T>): Promise<T[]> {
    const results = new Array<T>(count);
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (!failed && next < count) {
        const index = next++;
        try {
          results[index] = await task(index);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.maxInFlight, count) }, worker));
    return results;
  }

  private async optionalSourceName(addr: IpAddr, deadline: number): Promise<string | undefined> {
    try {
      return await this.exchange(Reports.NTP_SOURCE_NAME, [addr], deadline);
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
      const request = sequence === undefined ? undefined : this.pending.get(sequence);
      if (sequence === undefined) this.noteIgnored(`a ${bytes.length}-byte datagram, shorter than a reply header`);
      else if (request === undefined) this.noteIgnored(`a reply with sequence ${sequence}, which no request in flight has`);
      else request.onReply(bytes, sequence);
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
      // connect() makes the kernel drop datagrams from any other address or port, as chronyc's
      // connected socket does.
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
      throw this.closedError();
    }
    return socket;
  }

  private noteIgnored(reason: string): void {
    this.ignoredReplies++;
    this.lastIgnored = reason;
  }

  private failAll(error: Error): void {
    for (const request of new Set(this.pending.values())) request.onFailure(error);
    if (this.closed) {
      // Waiters are woken to find the client closed; their exchange then fails with the same error.
      for (const waiter of this.slotQueue.splice(0)) waiter.grant();
    }
  }

  /** "N datagrams were ignored (last: why)" since `ignoredBefore`, or undefined when none were. */
  private ignoredSince(ignoredBefore: number): string | undefined {
    const ignored = this.ignoredReplies - ignoredBefore;
    if (ignored === 0) return undefined;
    return `${ignored} ${ignored === 1 ? "datagram was" : "datagrams were"} ignored (last: ${this.lastIgnored})`;
  }

  private noReplyError(ignoredBefore: number): CmdmonError {
    const ignored = this.ignoredSince(ignoredBefore);
    if (ignored !== undefined) {
      return new CmdmonError("timeout", `no valid reply from ${this.endpoint}: ${ignored}: is ${this.port} chronyd's cmdport on that host?`);
    }
    return new CmdmonError(
      "timeout",
      `no reply from ${this.endpoint}: is this address in cmdallow, bindcmdaddress not loopback-only, and UDP ${this.port} open?`,
    );
  }

  private deadlineError(name: string, triesSent: number, ignoredBefore: number): CmdmonError {
    const ignored = this.ignoredSince(ignoredBefore);
    const progress = triesSent === 0 ? `not sent: all ${this.maxInFlight} request slots busy` : `${triesSent} of ${this.tries} tries sent`;
    return new CmdmonError(
      "timeout",
      `no reply to ${name} from ${this.endpoint} within the call's ${Math.round(this.deadlineMs)} ms deadline (${progress}${ignored === undefined ? "" : `; ${ignored}`}): chronyd answers too slowly or drops requests; allow a longer timeout`,
    );
  }

  private closedError(): CmdmonError {
    return new CmdmonError("closed", `request to ${this.endpoint} stopped: the client was closed`);
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

// ---- many endpoints

/** Options of {@link queryMany}. */
export interface QueryManyOptions {
  /** How many endpoints are queried at once. @default 64 */
  readonly concurrency?: number;
  /** Timeout, retries, deadline and requests in flight for every endpoint's client. */
  readonly client?: Omit<CmdmonClientOptions, "host" | "port">;
}

/** One endpoint's outcome in {@link queryMany}: its value, or the error that stopped it. */
export type EndpointResult<E extends Endpoint, T> =
  | {
      /** The endpoint as given. */
      readonly endpoint: E;
      /** The query returned. */
      readonly ok: true;
      /** What the query returned. */
      readonly value: T;
    }
  | {
      /** The endpoint as given. */
      readonly endpoint: E;
      /** The query (or opening the client) failed. */
      readonly ok: false;
      /** Why: usually a CmdmonError. */
      readonly error: Error;
    };

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
    running.set(
      id,
      queryOne(endpoint, query, options.client).then((result) => ({ id, result })),
    );
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

async function queryOne<E extends Endpoint, T>(
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
