import { describe, expect, it } from "vitest";
import { ipAddrToString, parseIpAddr, parseSourceAddress, readIpAddr, refIdToHex, refIdToText, writeIpAddr, type IpAddr } from "../../../lib/cmdmon";

const v6 = (hex: string): IpAddr => ({ family: 2, bytes: Uint8Array.from(Buffer.from(hex, "hex")) });

describe("ipAddrToString: the text chronyc prints", () => {
  // Expected strings are glibc inet_ntop's output for the same bytes (what chronyc uses).
  it.each([
    ["00000000000000000000000000000001", "::1"],
    ["00000000000000000000000000000000", "::"],
    ["20010db8000000000000000000000001", "2001:db8::1"],
    ["00000000000000000000ffff01020304", "::ffff:1.2.3.4"],
    ["00000000000000000000000000000002", "::2"],
    ["00000000000000000000000000010002", "::0.1.0.2"],
    ["00010000000000010000000000000001", "1:0:0:1::1"],
    ["00010000000000010000000000010001", "1::1:0:0:1:1"],
    ["fe800000000000000001000000000000", "fe80::1:0:0:0"],
    ["00000000000000000000ffff00000000", "::ffff:0.0.0.0"],
    ["00010000000000000000000000000000", "1::"],
    ["00010002000300040005000600070000", "1:2:3:4:5:6:7:0"],
    ["00000001000000000000000000000000", "0:1::"],
    ["00000000000000000000000100000000", "::1:0:0"],
    ["00000000000000000000fffe01020304", "::fffe:102:304"],
    ["00000000000000000000000001020304", "::1.2.3.4"],
  ])("formats %s as %s", (hex, text) => {
    expect(ipAddrToString(v6(hex))).toBe(text);
  });

  it("formats the other families as chronyc does", () => {
    const bytes = new Uint8Array(16);
    bytes.set([192, 0, 2, 1]);
    expect(ipAddrToString({ family: 1, bytes })).toBe("192.0.2.1");
    expect(ipAddrToString({ family: 3, bytes: Uint8Array.from([0, 0, 1, 0, ...new Array(12).fill(0)]) })).toBe("ID#0000000256");
    expect(ipAddrToString({ family: 0, bytes: new Uint8Array(16) })).toBe("[UNSPEC]");
    expect(ipAddrToString({ family: 9, bytes: new Uint8Array(16) })).toBe("[UNKNOWN]");
  });
});

describe("parseIpAddr / parseSourceAddress", () => {
  it("round-trips every formatted IPv6 form", () => {
    for (const text of ["::1", "::", "2001:db8::1", "::ffff:1.2.3.4", "1:0:0:1::1", "fe80::1:0:0:0", "1:2:3:4:5:6:7:8", "1::", "::1.2.3.4"]) {
      const addr = parseIpAddr(text);
      expect(addr?.family).toBe(2);
      expect(ipAddrToString(addr as IpAddr)).toBe(text === "1:2:3:4:5:6:7:8" ? text : text);
    }
  });

  it("reads IPv4 and refuses what is not an address", () => {
    expect(Buffer.from(parseIpAddr("127.0.0.1")?.bytes ?? []).toString("hex")).toBe("7f000001" + "00".repeat(12));
    for (const bad of [
      "",
      "1.2.3",
      "1.2.3.256",
      "1.2.3.4.5",
      "01234.1.1.1",
      "01.2.3.4",
      "1.2.3.04",
      "fe80::1%eth0",
      "1::2::3",
      "12345::",
      "g::1",
      ":1",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7::8",
      "localhost",
    ]) {
      expect(parseIpAddr(bad)).toBeUndefined();
    }
  });

  it("reads chronyc's ID# form of an unresolved source", () => {
    const addr = parseSourceAddress("ID#0000000005");
    expect(addr?.family).toBe(3);
    expect(ipAddrToString(addr as IpAddr)).toBe("ID#0000000005");
    expect(parseSourceAddress("ID#5")).toBeUndefined();
  });

  it("reads and writes the 20-byte block unchanged, unknown families included", () => {
    const block = Buffer.from("0102030405060708090a0b0c0d0e0f10" + "0007" + "0000", "hex");
    const addr = readIpAddr(block, 0);
    expect(addr.family).toBe(7);
    const out = Buffer.alloc(24);
    writeIpAddr(out, 2, addr);
    expect(out.subarray(2, 22).equals(block)).toBe(true);
  });
});

describe("refid", () => {
  it("prints 8 uppercase hex digits and the printable text", () => {
    expect(refIdToHex(0x7f000001)).toBe("7F000001");
    expect(refIdToHex(0)).toBe("00000000");
    expect(refIdToText(0x47505300)).toBe("GPS");
    expect(refIdToText(0x53484d30)).toBe("SHM0");
    expect(refIdToText(0x7f7f0101)).toBe("");
  });
});
