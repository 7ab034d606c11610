import { describe, expect, it } from "vitest";
import { formatSources, formatTracking, type SourceReport, type Tracking } from "../../../lib/cmdmon";

describe("human output laid out like chronyc", () => {
  it("formats tracking like `chronyc tracking` (slow/fast words from the signs)", () => {
    const tracking: Tracking = {
      refId: "CF404DC8",
      refName: "::1",
      stratum: 6,
      leapStatus: "normal",
      refTime: 1795669811.0133109,
      systemTimeOffset: -0.000002594,
      lastOffset: -0.000000271,
      rmsOffset: 0.00000239,
      frequencyPpm: -0.111,
      residualFrequencyPpm: -0.055,
      skewPpm: 0.894,
      rootDelay: 0.000009134,
      rootDispersion: 0.000005348,
      updateInterval: 2.0,
    };
    // The same values as this real `chronyc tracking` printout.
    expect(formatTracking(tracking)).toBe(
      [
        "Reference ID    : CF404DC8 (::1)",
        "Stratum         : 6",
        "Ref time (UTC)  : Thu Nov 26 05:10:11 2026",
        "System time     : 0.000002594 seconds fast of NTP time",
        "Last offset     : -0.000000271 seconds",
        "RMS offset      : 0.000002390 seconds",
        "Frequency       : 0.111 ppm slow",
        "Residual freq   : -0.055 ppm",
        "Skew            : 0.894 ppm",
        "Root delay      : 0.000009134 seconds",
        "Root dispersion : 0.000005348 seconds",
        "Update interval : 2.0 seconds",
        "Leap status     : Normal",
        "",
      ].join("\n"),
    );
    const slow = formatTracking({ ...tracking, systemTimeOffset: 0.5, frequencyPpm: 12.5, leapStatus: "unsynchronised" });
    expect(slow).toContain("System time     : 0.500000000 seconds slow of NTP time");
    expect(slow).toContain("Frequency       : 12.500 ppm fast");
    expect(slow).toContain("Leap status     : Not synchronised");
  });

  it("formats sources like `chronyc -N sources`", () => {
    const base = { stratum: 5, poll: 1, reach: 0o377, lastRx: 0, offset: 0, measuredOffset: 0, error: 0 };
    const sources: SourceReport[] = [
      { ...base, address: "SHM0", mode: "refclock", state: "nonselectable", stratum: 0, poll: 4, reach: 0, lastRx: null },
      {
        ...base,
        address: "127.0.0.1",
        name: "localhost",
        mode: "server",
        state: "combined",
        offset: 9.26e-7,
        measuredOffset: 9.26e-7,
        error: 5.44e-6,
      },
      {
        ...base,
        address: "::1",
        name: "::1",
        mode: "server",
        state: "selected",
        reach: 0o177,
        lastRx: 2,
        offset: -1.03e-7,
        measuredOffset: -3.74e-7,
        error: 4.626e-6,
      },
      {
        ...base,
        address: "127.0.0.2",
        mode: "peer",
        state: "notCombined",
        reach: 0o37,
        lastRx: 1500,
        offset: -0.0123,
        measuredOffset: 1.5,
        error: 200000,
      },
      {
        ...base,
        address: "192.0.2.1",
        name: "a-very-long-hostname.example.com",
        mode: "server",
        state: "falseticker",
        lastRx: 400000,
        offset: 12.3456,
      },
      { ...base, address: "192.0.2.2", mode: "server", state: "jittery", lastRx: 100_000_000 },
    ];
    expect(formatSources(sources)).toBe(
      [
        "MS Name/IP address         Stratum Poll Reach LastRx Last sample               ",
        "===============================================================================",
        "#? SHM0                          0   4     0     -     +0ns[   +0ns] +/-    0ns",
        "^+ localhost                     5   1   377     0   +926ns[ +926ns] +/- 5440ns",
        "^* ::1                           5   1   177     2   -103ns[ -374ns] +/- 4626ns",
        "=- 127.0.0.2                     5   1    37   25m    -12ms[+1500ms] +/-  3333m",
        "^x a-very-long-hostname.exa>     5   1   377    4d   +12.3s[   +0ns] +/-    0ns",
        "^~ 192.0.2.2                     5   1   377    3y     +0ns[   +0ns] +/-    0ns",
        "",
      ].join("\n"),
    );
  });
});
