import { describe, expect, it } from "vitest";
import { formatEndpoint, parseEndpoint } from "../../../lib/cmdmon/endpoint";
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

  it("formats endpoints with brackets around IPv6", () => {
    expect(formatEndpoint("::1", 323)).toBe("[::1]:323");
    expect(formatEndpoint("127.0.0.1", 11323)).toBe("127.0.0.1:11323");
  });
});
