import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readIpAddr, type IpAddr } from "../../../lib/cmdmon";
import type { CapturedReplies, CapturedRun } from "../../support/capture-cmdmon-replies";

// Real chronyd 4.3 exchanges (fixtures/chronyd-4.3-replies.json, recorded by
// test/support/capture-cmdmon-replies.ts): the bytes chronyc sent and received, and what chronyc printed.

export const captured = JSON.parse(readFileSync(join(__dirname, "fixtures/chronyd-4.3-replies.json"), "utf8")) as CapturedReplies;

export interface Exchange {
  readonly request: Buffer;
  readonly reply: Buffer;
  readonly command: number;
  readonly replyCode: number;
  readonly status: number;
  /** The sequence chronyc drew for this try, echoed by chronyd. */
  readonly sequence: number;
  readonly attempt: number;
  /** The request body read back: a source index or an address block. */
  readonly index: number;
  readonly address: IpAddr;
}

export function exchangesOf(run: CapturedRun): Exchange[] {
  return run.exchanges.map((e) => {
    const request = Buffer.from(e.request, "hex");
    const reply = Buffer.from(e.reply, "hex");
    return {
      request,
      reply,
      command: request.readUInt16BE(4),
      replyCode: reply.readUInt16BE(6),
      status: reply.readUInt16BE(8),
      sequence: request.readUInt32BE(8),
      attempt: request.readUInt16BE(6),
      index: request.length >= 24 ? request.readUInt32BE(20) : 0,
      address: request.length >= 40 ? readIpAddr(request, 20) : { family: 0, bytes: new Uint8Array(16) },
    };
  });
}

/** Every captured exchange of `command` that chronyd answered with success. */
export function successfulExchanges(command: number): Exchange[] {
  return captured.runs.flatMap(exchangesOf).filter((e) => e.command === command && e.status === 0);
}

/** The run with these chronyc arguments taken at `when` (a prefix of the run's description). */
export function run(args: readonly string[], when = "synchronised"): CapturedRun {
  const found = captured.runs.find((r) => r.when.startsWith(when) && r.args.join(" ") === args.join(" "));
  if (!found) throw new Error(`no captured run of chronyc ${args.join(" ")} (${when})`);
  return found;
}
