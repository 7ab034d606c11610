import { describe, expect, it } from "vitest";
import { Reports, decodeReply, isCmdmonError, parseIpAddr } from "../../../lib/cmdmon";
import { SEQUENCE, bytes, header, zeros } from "./reply-bytes";

const TRACKING = 33;
const goodTracking = (): Buffer => bytes(header({ command: TRACKING, reply: 5 }), zeros(76));

function failure(fn: () => unknown): { code: string; message: string; status?: number } {
  try {
    fn();
  } catch (error) {
    if (!isCmdmonError(error)) throw new Error(`expected a CmdmonError, got ${String(error)}`, { cause: error });
    return { code: error.code, message: error.message, status: error.status };
  }
  throw new Error("expected the decoder to throw");
}

describe("reply validation", () => {
  it("accepts a well-formed reply", () => {
    expect(decodeReply(Reports.TRACKING, goodTracking(), SEQUENCE).refId).toBe("00000000");
  });

  it("refuses a reply shorter than the header", () => {
    const f = failure(() => decodeReply(Reports.TRACKING, goodTracking().subarray(0, 27), SEQUENCE));
    expect(f.code).toBe("truncated");
    expect(f.message).toBe("TRACKING reply is 27 bytes, shorter than the 28-byte reply header");
  });

  it("refuses a reply shorter than its reply code requires", () => {
    const f = failure(() => decodeReply(Reports.TRACKING, goodTracking().subarray(0, 103), SEQUENCE));
    expect(f.code).toBe("truncated");
    expect(f.message).toMatch(/code 5 is 103 bytes; that code needs 104/);
    expect(failure(() => decodeReply(Reports.TRACKING, bytes(header({ command: TRACKING, reply: 5 })), SEQUENCE)).code).toBe("truncated");
  });

  it("refuses a reply longer than the request (chronyd never sends one)", () => {
    const f = failure(() => decodeReply(Reports.TRACKING, bytes(header({ command: TRACKING, reply: 5 }), zeros(77)), SEQUENCE));
    expect(f.code).toBe("oversized");
    expect(f.message).toMatch(/105 bytes, longer than the 104-byte request/);
  });

  it("reports BADPKTVERSION as a protocol-version error, whatever version the reply carries", () => {
    for (const version of [5, 6, 7]) {
      const f = failure(() => decodeReply(Reports.TRACKING, bytes(header({ command: TRACKING, reply: 1, status: 18, version })), SEQUENCE));
      expect(f.code).toBe("version");
      expect(f.status).toBe(18);
      expect(f.message).toMatch(/protocol version .*BADPKTVERSION.*speaks version 6/);
    }
  });

  it("refuses a successful reply of another protocol version", () => {
    expect(failure(() => decodeReply(Reports.TRACKING, bytes(header({ command: TRACKING, reply: 5, version: 7 }), zeros(76)), SEQUENCE)).code).toBe(
      "version",
    );
  });

  it("refuses a packet that is not a reply", () => {
    expect(failure(() => decodeReply(Reports.TRACKING, bytes(header({ command: TRACKING, reply: 5, pktType: 1 }), zeros(76)), SEQUENCE)).code).toBe(
      "malformed",
    );
    const reserved = goodTracking();
    reserved[2] = 1;
    expect(failure(() => decodeReply(Reports.TRACKING, reserved, SEQUENCE)).code).toBe("malformed");
  });

  it("refuses a reply to another sequence or command", () => {
    const otherSequence = failure(() => decodeReply(Reports.TRACKING, goodTracking(), SEQUENCE + 1));
    expect(otherSequence.code).toBe("mismatch");
    expect(otherSequence.message).toBe(`TRACKING reply has sequence ${SEQUENCE}, expected ${SEQUENCE + 1}`);
    const otherCommand = failure(() => decodeReply(Reports.TRACKING, bytes(header({ command: 14, reply: 5 }), zeros(76)), SEQUENCE));
    expect(otherCommand.code).toBe("mismatch");
    expect(otherCommand.message).toBe("reply echoes N_SOURCES, expected TRACKING");
  });

  it("explains UNAUTH: the command is served only on the Unix socket", () => {
    const f = failure(() => decodeReply(Reports.NTP_DATA, bytes(header({ command: 57, reply: 1, status: 2 })), SEQUENCE, parseIpAddr("192.0.2.1")!));
    expect(f.code).toBe("unauthorised");
    expect(f.status).toBe(2);
    expect(f.message).toBe(
      "chronyd refused NTP_DATA (status UNAUTH): this command is only served on chronyd's Unix socket (run chronyc on the host, e.g. over SSH)",
    );
  });

  it("names other statuses", () => {
    const noSuch = failure(() => decodeReply(Reports.SOURCE_DATA, bytes(header({ command: 15, reply: 1, status: 4 })), SEQUENCE, 0));
    expect(noSuch).toMatchObject({ code: "no-such-source", status: 4 });
    const invalid = failure(() => decodeReply(Reports.TRACKING, bytes(header({ command: TRACKING, reply: 1, status: 3 })), SEQUENCE));
    expect(invalid).toMatchObject({ code: "status", status: 3 });
    expect(invalid.message).toMatch(/status 3 INVALID/);
    const badLength = failure(() => decodeReply(Reports.TRACKING, bytes(header({ command: TRACKING, reply: 1, status: 19 })), SEQUENCE));
    expect(badLength.message).toMatch(/BADPKTLENGTH/);
    const unknown = failure(() => decodeReply(Reports.TRACKING, bytes(header({ command: TRACKING, reply: 1, status: 77 })), SEQUENCE));
    expect(unknown.message).toMatch(/unknown status 77/);
  });

  it("takes statuses 8 and 9 (ACCESSALLOWED, ACCESSDENIED) as success", () => {
    for (const status of [8, 9]) {
      expect(decodeReply(Reports.TRACKING, bytes(header({ command: TRACKING, reply: 5, status }), zeros(76)), SEQUENCE).stratum).toBe(0);
    }
  });

  it("refuses a success with another reply code", () => {
    const f = failure(() => decodeReply(Reports.TRACKING, bytes(header({ command: TRACKING, reply: 1 })), SEQUENCE));
    expect(f.code).toBe("unexpected-reply");
    expect(f.message).toBe("TRACKING got reply code 1, expected 5");
    // Unknown codes have no minimum length (as in chronyc) and still are not what was asked.
    expect(failure(() => decodeReply(Reports.TRACKING, bytes(header({ command: TRACKING, reply: 99 }), zeros(10)), SEQUENCE)).code).toBe(
      "unexpected-reply",
    );
  });

  it("refuses an invalid leap status", () => {
    const reply = goodTracking();
    reply[55] = 4;
    expect(failure(() => decodeReply(Reports.TRACKING, reply, SEQUENCE)).code).toBe("malformed");
  });

  it("decodes from a view into a larger buffer (byteOffset ≠ 0)", () => {
    const big = Buffer.concat([Buffer.alloc(13, 0xee), goodTracking(), Buffer.alloc(5, 0xee)]);
    expect(decodeReply(Reports.TRACKING, big.subarray(13, 13 + 104), SEQUENCE).stratum).toBe(0);
  });
});
