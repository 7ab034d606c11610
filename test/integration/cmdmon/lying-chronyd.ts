import * as dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import { Command } from "../../../lib/cmdmon";
import { successfulExchanges } from "../../unit/cmdmon/captured";

// A fake chronyd on 127.0.0.1 that answers from real chronyd 4.3 replies (the captured fixtures,
// sequence rewritten) and then lies in one chosen way. No real chronyd can be made to lie, so this
// is the one place the tests script the other side.

export type Lie =
  /** Honest replies, but N_SOURCES announces this many sources and every index answers. */
  | { readonly kind: "count"; readonly count: number }
  /** Every reply 4 bytes short of its reply code's length. */
  | { readonly kind: "truncated" }
  /** Every reply longer than the request it answers. */
  | { readonly kind: "oversized" }
  /** Every reply echoes another sequence. */
  | { readonly kind: "wrong-sequence" }
  /** Every reply sent twice, and the previous reply once more. */
  | { readonly kind: "duplicate" }
  /** Replies sent from another port of the same address. */
  | { readonly kind: "other-port" }
  /** Success status with the reply code of another report. */
  | { readonly kind: "wrong-reply-code" }
  /** N_SOURCES honest (6), every other request dropped. */
  | { readonly kind: "sources-never-answered" };

export interface LyingChronydOptions {
  /** Hold each reply this long before sending it (so requests in flight can be counted). @default 0 */
  readonly delayMs?: number;
  /** Hold N_SOURCES replies this long instead. @default delayMs */
  readonly nSourcesDelayMs?: number;
}

const template = (command: number, index = 0): Buffer => {
  const all = successfulExchanges(command);
  if (all.length === 0) throw new Error(`no captured reply for command ${command}`);
  return all[index % all.length].reply;
};

export class LyingChronyd {
  /** Requests received, by command code. */
  readonly received = new Map<number, number>();
  /** The most requests received and not yet answered (or dropped) at any moment. */
  maxOutstanding = 0;
  private outstanding = 0;
  private previous?: Buffer;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly otherSocket: dgram.Socket,
    private readonly lie: Lie,
    private readonly options: LyingChronydOptions,
  ) {}

  static async start(lie: Lie, options: LyingChronydOptions = {}): Promise<LyingChronyd> {
    const bind = async (): Promise<dgram.Socket> => {
      const s = dgram.createSocket("udp4");
      await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", resolve));
      return s;
    };
    const fake = new LyingChronyd(await bind(), await bind(), lie, options);
    fake.socket.on("message", (request, from) => fake.onRequest(request, from));
    return fake;
  }

  get port(): number {
    return (this.socket.address() as AddressInfo).port;
  }

  get requests(): number {
    return [...this.received.values()].reduce((a, b) => a + b, 0);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await Promise.all([this.socket, this.otherSocket].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private onRequest(request: Buffer, from: dgram.RemoteInfo): void {
    if (request.length < 20 || request[0] !== 6 || request[1] !== 1) return;
    const command = request.readUInt16BE(4);
    this.received.set(command, (this.received.get(command) ?? 0) + 1);
    this.outstanding++;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    const reply = this.honestReply(request, command);
    const delay = command === Command.N_SOURCES ? (this.options.nSourcesDelayMs ?? this.options.delayMs ?? 0) : (this.options.delayMs ?? 0);
    const answer = (): void => {
      this.outstanding--;
      if (reply) this.send(this.lieAbout(reply), from);
    };
    if (delay === 0) {
      answer();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      answer();
    }, delay);
    this.timers.add(timer);
  }

  private honestReply(request: Buffer, command: number): Buffer | undefined {
    let reply: Buffer;
    const count = this.lie.kind === "count" ? this.lie.count : 6;
    if (command === Command.N_SOURCES) {
      reply = Buffer.from(template(command));
      reply.writeUInt32BE(count >>> 0, 28);
    } else if (this.lie.kind === "sources-never-answered") {
      return undefined;
    } else if (command === Command.SOURCE_DATA || command === Command.SOURCESTATS) {
      reply = Buffer.from(template(command, request.readUInt32BE(20)));
    } else if (command === Command.TRACKING || command === Command.NTP_SOURCE_NAME || command === Command.ACTIVITY) {
      reply = Buffer.from(template(command));
    } else {
      return undefined;
    }
    request.copy(reply, 16, 8, 12);
    return reply;
  }

  private lieAbout(reply: Buffer): Buffer {
    switch (this.lie.kind) {
      case "truncated":
        return reply.subarray(0, reply.length - 4);
      case "oversized":
        return Buffer.concat([reply, Buffer.alloc(8)]);
      case "wrong-sequence": {
        const lie = Buffer.from(reply);
        lie.writeUInt32BE((reply.readUInt32BE(16) ^ 0x5a5a5a5a) >>> 0, 16);
        return lie;
      }
      case "wrong-reply-code": {
        const lie = Buffer.from(reply);
        lie.writeUInt16BE(lie.readUInt16BE(6) === 2 ? 3 : 2, 6);
        return lie;
      }
      default:
        return reply;
    }
  }

  private send(reply: Buffer, to: dgram.RemoteInfo): void {
    const socket = this.lie.kind === "other-port" ? this.otherSocket : this.socket;
    socket.send(reply, to.port, to.address);
    if (this.lie.kind === "duplicate") {
      socket.send(reply, to.port, to.address);
      if (this.previous) socket.send(this.previous, to.port, to.address);
      this.previous = reply;
    }
  }
}
