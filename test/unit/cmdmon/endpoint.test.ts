import { describe, expect, it } from "vitest";
import { formatEndpoint, parseEndpoint } from "../../../lib/cmdmon";
import { isUserError } from "../../../lib/errors";

describe("parseEndpoint (HOST[:PORT])", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1", 323],
    ["127.0.0.1:11323", "127.0.0.1", 11323],
    ["::1", "::1", 323],
    ["[::1]", "::1", 323],
    ["[::1]:11323", "::1", 11323],
    ["2001:db8::10", "2001:db8::10", 323],
    ["[2001:db8::10]:1", "2001:db8::10", 1],
    ["ntp1.example.com", "ntp1.example.com", 323],
    ["ntp1.example.com:65535", "ntp1.example.com", 65535],
    ["localhost", "localhost", 323],
  ])("reads %s", (text, host, port) => {
    expect(parseEndpoint(text)).toEqual({ host, port });
  });

  it.each([
    ["127.0.0.1:abc", "invalid port 'abc' in '127.0.0.1:abc': the port must be a number from 1 to 65535 (chronyd's cmdport, 323 by default)"],
    ["127.0.0.1:0", "invalid port '0'"],
    ["127.0.0.1:65536", "invalid port '65536'"],
    ["127.0.0.1:", "invalid port ''"],
    ["[::1]:x", "invalid port 'x'"],
    ["::1:11323", "is not an IPv6 address (put an IPv6 address with a port in brackets, e.g. [::1]:323)"],
    ["[::1", "missing ']'"],
    ["[::1]11323", "unexpected '11323' after ']'"],
    ["[127.0.0.1]:323", "'127.0.0.1' in '[127.0.0.1]:323' is not an IPv6 address"],
    [":323", "no host in ':323'"],
    ["1.2.3.999", "'1.2.3.999' in '1.2.3.999' is not a valid IPv4 address"],
    // The resolver would take these old inet_aton forms as 1.2.3.4 and 127.0.0.1: refused, not resolved.
    ["01.2.3.4", "'01.2.3.4' in '01.2.3.4' is not a valid IPv4 address (four numbers from 0 to 255 without leading zeros, e.g. 192.0.2.10)"],
    ["01.2.3.4:323", "'01.2.3.4' in '01.2.3.4:323' is not a valid IPv4 address"],
    ["127.1", "'127.1' in '127.1' is not a valid IPv4 address"],
    ["0x7f.1", "'0x7f.1' in '0x7f.1' is not a valid IPv4 address"],
    ["2130706433", "'2130706433' in '2130706433' is not a valid IPv4 address"],
    ["[fe80::1%eth0]:323", "'fe80::1%eth0' in '[fe80::1%eth0]:323' is not an IPv6 address"],
    ["1:2:3:4:5:6:7::8", "is not an IPv6 address"],
    ["bad host!", "is neither an address nor a hostname"],
  ])("refuses %s with one clear line", (text, message) => {
    let error: unknown;
    try {
      parseEndpoint(text);
    } catch (e) {
      error = e;
    }
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain("\n");
  });

  it("takes addresses as node:net isIP does and names with letters as hostnames", () => {
    expect(parseEndpoint("0.0.0.0:1")).toEqual({ host: "0.0.0.0", port: 1 });
    expect(parseEndpoint("::ffff:192.0.2.1")).toEqual({ host: "::ffff:192.0.2.1", port: 323 });
    expect(parseEndpoint("ntp1.example.com.")).toEqual({ host: "ntp1.example.com.", port: 323 });
    expect(parseEndpoint("0x7f.example")).toEqual({ host: "0x7f.example", port: 323 });
  });

  it("formats endpoints with brackets around IPv6", () => {
    expect(formatEndpoint("::1", 323)).toBe("[::1]:323");
    expect(formatEndpoint("127.0.0.1", 11323)).toBe("127.0.0.1:11323");
  });
});
