import { describe, expect, it } from "vitest";
import { Reports, encodeRequest, parseIpAddr, type IpAddr } from "../../../lib/cmdmon";

// Every request: version 6, type 1 (request), res 0 0, command, attempt, sequence, pad 0 0, the
// body, then zeros up to the length of the successful reply (chronyd answers nothing shorter).
const envelope = { sequence: 0x01020304, attempt: 2 };
const zeros = (n: number): string => "00".repeat(n);
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function address(text: string): IpAddr {
  const addr = parseIpAddr(text);
  if (!addr) throw new Error(text);
  return addr;
}

describe("request encoders: exact bytes, padding included", () => {
  it("N_SOURCES (14): 20-byte header padded to 32", () => {
    const bytes = encodeRequest(Reports.N_SOURCES, envelope);
    expect(bytes.length).toBe(32);
    expect(hex(bytes)).toBe("06010000" + "000e" + "0002" + "01020304" + "00000000" + "00000000" + zeros(12));
  });

  it("SOURCE_DATA (15): index at 20, padded to 76", () => {
    const bytes = encodeRequest(Reports.SOURCE_DATA, envelope, 5);
    expect(bytes.length).toBe(76);
    expect(hex(bytes)).toBe("06010000" + "000f" + "0002" + "01020304" + zeros(8) + "00000005" + zeros(52));
  });

  it("TRACKING (33): no body, padded to 104", () => {
    const bytes = encodeRequest(Reports.TRACKING, envelope);
    expect(bytes.length).toBe(104);
    expect(hex(bytes)).toBe("06010000" + "0021" + "0002" + "01020304" + zeros(8) + zeros(84));
  });

  it("SOURCESTATS (34): index at 20, padded to 84", () => {
    const bytes = encodeRequest(Reports.SOURCESTATS, envelope, 7);
    expect(bytes.length).toBe(84);
    expect(hex(bytes)).toBe("06010000" + "0022" + "0002" + "01020304" + zeros(8) + "00000007" + zeros(60));
  });

  it("ACTIVITY (44): no body, padded to 48", () => {
    const bytes = encodeRequest(Reports.ACTIVITY, envelope);
    expect(bytes.length).toBe(48);
    expect(hex(bytes)).toBe("06010000" + "002c" + "0002" + "01020304" + zeros(8) + zeros(28));
  });

  it("SERVER_STATS (54): no body, padded to 72", () => {
    const bytes = encodeRequest(Reports.SERVER_STATS, envelope);
    expect(bytes.length).toBe(72);
    expect(hex(bytes)).toBe("06010000" + "0036" + "0002" + "01020304" + zeros(8) + zeros(52));
  });

  it("NTP_DATA (57): IPv4 address block at 20, padded to 152", () => {
    const bytes = encodeRequest(Reports.NTP_DATA, envelope, address("127.0.0.1"));
    expect(bytes.length).toBe(152);
    expect(hex(bytes)).toBe("06010000" + "0039" + "0002" + "01020304" + zeros(8) + "7f000001" + zeros(12) + "0001" + "0000" + zeros(112));
  });

  it("NTP_SOURCE_NAME (65): address block at 20, padded to 284", () => {
    const bytes = encodeRequest(Reports.NTP_SOURCE_NAME, envelope, address("192.0.2.1"));
    expect(bytes.length).toBe(284);
    expect(hex(bytes)).toBe("06010000" + "0041" + "0002" + "01020304" + zeros(8) + "c0000201" + zeros(12) + "0001" + "0000" + zeros(244));
  });

  it("AUTH_DATA (67): IPv6 address block at 20, padded to 52", () => {
    const bytes = encodeRequest(Reports.AUTH_DATA, envelope, address("::1"));
    expect(bytes.length).toBe(52);
    expect(hex(bytes)).toBe("06010000" + "0043" + "0002" + "01020304" + zeros(8) + zeros(15) + "01" + "0002" + "0000" + zeros(12));
  });

  it("SELECT_DATA (69): index at 20, padded to 76", () => {
    const bytes = encodeRequest(Reports.SELECT_DATA, envelope, 3);
    expect(bytes.length).toBe(76);
    expect(hex(bytes)).toBe("06010000" + "0045" + "0002" + "01020304" + zeros(8) + "00000003" + zeros(52));
  });

  it("sends back an unresolved source's ID block unchanged", () => {
    const id: IpAddr = { family: 3, bytes: Uint8Array.from([0, 0, 0, 9, ...new Array(12).fill(0)]) };
    const bytes = encodeRequest(Reports.NTP_SOURCE_NAME, { sequence: 0xffffffff }, id);
    expect(hex(bytes.subarray(0, 40))).toBe("06010000" + "0041" + "0000" + "ffffffff" + zeros(8) + "00000009" + zeros(12) + "0003" + "0000");
  });

  it("refuses a source index that is not a u32", () => {
    expect(() => encodeRequest(Reports.SOURCE_DATA, envelope, -1)).toThrow(/source index/);
    expect(() => encodeRequest(Reports.SOURCESTATS, envelope, 1.5)).toThrow(/source index/);
    expect(() => encodeRequest(Reports.SELECT_DATA, envelope, 2 ** 32)).toThrow(/source index/);
  });
});
