import { describe, expect, it } from "vitest";
import { decodeActivityReply } from "../../../lib/cmdmon/activity";
import { decodeAuthDataReply } from "../../../lib/cmdmon/auth-data";
import { isCmdmonError } from "../../../lib/cmdmon/cmdmon-error";
import { replyLength } from "../../../lib/cmdmon/reply-codes";
import { decodeNSourcesReply } from "../../../lib/cmdmon/n-sources";
import { decodeNtpDataReply } from "../../../lib/cmdmon/ntp-data";
import { decodeNtpSourceNameReply } from "../../../lib/cmdmon/ntp-source-name";
import { decodeSelectDataReply } from "../../../lib/cmdmon/select-data";
import { decodeServerStatsReply } from "../../../lib/cmdmon/server-stats";
import { decodeSourceDataReply } from "../../../lib/cmdmon/source-data";
import { decodeSourceStatsReply } from "../../../lib/cmdmon/sourcestats";
import { decodeTrackingReply } from "../../../lib/cmdmon/tracking";
import { SEQUENCE, bytes, header } from "./reply-bytes";

// A small seeded PRNG (mulberry32): a failure names its seed and iteration and reproduces exactly.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Target {
  readonly name: string;
  readonly command: number;
  readonly reply: number;
  readonly decode: (b: Uint8Array, seq: number) => unknown;
  /** Makes a random body one chronyd could send (enums in range, names printable). */
  readonly plausible?: (reply: Buffer, random: () => number) => void;
}

const pick = (random: () => number, n: number): number => Math.floor(random() * n);

const TARGETS: readonly Target[] = [
  { name: "N_SOURCES", command: 14, reply: 2, decode: decodeNSourcesReply },
  {
    name: "SOURCE_DATA",
    command: 15,
    reply: 3,
    decode: decodeSourceDataReply,
    plausible: (b, r) => {
      b.writeUInt16BE(pick(r, 6), 52);
      b.writeUInt16BE(pick(r, 3), 54);
      b.writeUInt16BE(pick(r, 256), 58);
    },
  },
  { name: "TRACKING", command: 33, reply: 5, decode: decodeTrackingReply, plausible: (b, r) => b.writeUInt16BE(pick(r, 4), 54) },
  { name: "SOURCESTATS", command: 34, reply: 6, decode: decodeSourceStatsReply },
  { name: "ACTIVITY", command: 44, reply: 12, decode: decodeActivityReply },
  { name: "SERVER_STATS", command: 54, reply: 24, decode: decodeServerStatsReply },
  { name: "NTP_DATA", command: 57, reply: 16, decode: decodeNtpDataReply, plausible: (b, r) => (b[70] = pick(r, 4)) },
  {
    name: "NTP_SOURCE_NAME",
    command: 65,
    reply: 19,
    decode: decodeNtpSourceNameReply,
    plausible: (b, r) => {
      const end = 28 + pick(r, 256);
      for (let i = 28; i < 284; i++) b[i] = i < end ? 0x21 + pick(r, 94) : 0;
    },
  },
  { name: "AUTH_DATA", command: 67, reply: 20, decode: decodeAuthDataReply },
  {
    name: "SELECT_DATA",
    command: 69,
    reply: 23,
    decode: decodeSelectDataReply,
    plausible: (b, r) => {
      b[52] = 0x21 + pick(r, 94);
      b[54] = pick(r, 4);
    },
  },
];

const ITERATIONS = 3000;

function mustReturnOrThrowCmdmonError(target: Target, input: Uint8Array, seed: number, i: number): "ok" | "error" {
  try {
    target.decode(input, SEQUENCE);
    return "ok";
  } catch (error) {
    if (!isCmdmonError(error)) {
      throw new Error(
        `${target.name} threw ${String(error)} (not a CmdmonError) for seed ${seed} iteration ${i}: ${Buffer.from(input).toString("hex")}`,
      );
    }
    return "error";
  }
}

describe.each(TARGETS)("fuzz: $name decoder only returns a value or throws CmdmonError", (target) => {
  const valid = (random: () => number): Buffer => {
    const body = Buffer.alloc(replyLength(target.reply) - 28);
    for (let i = 0; i < body.length; i++) body[i] = Math.floor(random() * 256);
    const reply = Buffer.concat([bytes(header({ command: target.command, reply: target.reply })), body]);
    target.plausible?.(reply, random);
    return reply;
  };

  it("random byte strings of any length", () => {
    const seed = 0xc0ffee ^ target.command;
    const random = prng(seed);
    for (let i = 0; i < ITERATIONS; i++) {
      const input = new Uint8Array(Math.floor(random() * 900));
      for (let k = 0; k < input.length; k++) input[k] = Math.floor(random() * 256);
      mustReturnOrThrowCmdmonError(target, input, seed, i);
    }
  });

  it("mutations of a valid reply: flipped bytes, cut, extended, other header fields", () => {
    const seed = 0xbeef ^ (target.command << 8);
    const random = prng(seed);
    const outcomes = { ok: 0, error: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      let input: Buffer = valid(random);
      const mutation = Math.floor(random() * 6);
      if (mutation === 0) {
        input = input.subarray(0, Math.floor(random() * input.length));
      } else if (mutation === 1) {
        input = Buffer.concat([input, Buffer.alloc(1 + Math.floor(random() * 600), Math.floor(random() * 256))]);
      } else if (mutation === 2) {
        const flips = 1 + Math.floor(random() * 8);
        for (let k = 0; k < flips; k++) input[Math.floor(random() * input.length)] ^= 1 << Math.floor(random() * 8);
      } else if (mutation === 3) {
        // Another reply code (and so another required length) or an error status.
        input.writeUInt16BE(Math.floor(random() * 30), 6);
        if (random() < 0.5) input.writeUInt16BE(Math.floor(random() * 25), 8);
      } else if (mutation === 4) {
        input[Math.floor(random() * 28)] = Math.floor(random() * 256);
      }
      outcomes[mustReturnOrThrowCmdmonError(target, input, seed, i)]++;
    }
    // The valid replies (mutation 5) and harmless body flips must decode, so the fuzzer also
    // exercises the body readers, not only the header checks.
    expect(outcomes.ok).toBeGreaterThan(ITERATIONS / 10);
    expect(outcomes.error).toBeGreaterThan(ITERATIONS / 10);
  });
});
