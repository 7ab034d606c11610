import type { LeapStatus, SourceMode, SourceReport, SourceState, Tracking } from "./types";

// Human-readable reports laid out as chronyc 4.3 prints them, so operators read familiar columns.

const LEAP_TEXT: Readonly<Record<LeapStatus, string>> = {
  normal: "Normal",
  insert: "Insert second",
  delete: "Delete second",
  unsynchronised: "Not synchronised",
};

const MODE_CHAR: Readonly<Record<SourceMode, string>> = { server: "^", peer: "=", refclock: "#" };
const STATE_CHAR: Readonly<Record<SourceState, string>> = {
  selected: "*",
  combined: "+",
  notCombined: "-",
  nonselectable: "?",
  falseticker: "x",
  jittery: "~",
};

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Like `chronyc tracking`. */
export function formatTracking(t: Tracking): string {
  const lines = [
    `Reference ID    : ${t.refId} (${t.refName ?? ""})`,
    `Stratum         : ${t.stratum}`,
    `Ref time (UTC)  : ${formatUtc(t.refTime)}`,
    // A positive correction means the clock is behind: chronyc calls that "slow of NTP time".
    `System time     : ${Math.abs(t.systemTimeOffset).toFixed(9)} seconds ${t.systemTimeOffset > 0 ? "slow" : "fast"} of NTP time`,
    `Last offset     : ${signed(t.lastOffset, 9)} seconds`,
    `RMS offset      : ${t.rmsOffset.toFixed(9)} seconds`,
    `Frequency       : ${Math.abs(t.frequencyPpm).toFixed(3)} ppm ${t.frequencyPpm > 0 ? "fast" : "slow"}`,
    `Residual freq   : ${signed(t.residualFrequencyPpm, 3)} ppm`,
    `Skew            : ${t.skewPpm.toFixed(3)} ppm`,
    `Root delay      : ${t.rootDelay.toFixed(9)} seconds`,
    `Root dispersion : ${t.rootDispersion.toFixed(9)} seconds`,
    `Update interval : ${t.updateInterval.toFixed(1)} seconds`,
    `Leap status     : ${LEAP_TEXT[t.leapStatus]}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** Like `chronyc -N sources`: the configured name where there is one, else the address. */
export function formatSources(sources: readonly SourceReport[]): string {
  const header = "MS Name/IP address         Stratum Poll Reach LastRx Last sample               ";
  const rows = sources.map((s) => {
    const name = fit(s.name ?? s.address);
    return (
      `${MODE_CHAR[s.mode]}${STATE_CHAR[s.state]} ${name}  ${pad(s.stratum, 2)}  ${pad(s.poll, 2)}   ` +
      `${pad(s.reach.toString(8), 3)}  ${formatAge(s.lastRx)}  ` +
      `${signedDuration(s.offset)}[${signedDuration(s.measuredOffset)}] +/- ${duration(s.error)}`
    );
  });
  return `${[header, "=".repeat(79), ...rows].join("\n")}\n`;
}

// chronyc cuts a long hostname to 25 characters, the last one '>', in a 27-wide column.
function fit(text: string): string {
  return (text.length > 25 ? `${text.slice(0, 24)}>` : text).padEnd(27);
}

function pad(value: number | string, width: number): string {
  return String(value).padStart(width);
}

function signed(x: number, decimals: number): string {
  return `${x >= 0 ? "+" : "-"}${Math.abs(x).toFixed(decimals)}`;
}

function formatUtc(seconds: number): string {
  const d = new Date(Math.floor(seconds) * 1000);
  const two = (n: number): string => String(n).padStart(2, "0");
  return (
    `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`
  );
}

/** chronyc's LastRx column: seconds, then minutes, hours, days, years as the age grows. */
function formatAge(seconds: number | null): string {
  if (seconds === null) return "   -";
  if (seconds < 1200) return pad(seconds, 4);
  if (seconds < 36000) return `${pad(Math.floor(seconds / 60), 3)}m`;
  if (seconds < 345600) return `${pad(Math.floor(seconds / 3600), 3)}h`;
  const days = Math.floor(seconds / 86400);
  return days > 999 ? `${pad(Math.floor(days / 365), 3)}y` : `${pad(days, 3)}d`;
}

const UNITS: readonly (readonly [limit: number, scale: number, unit: string, decimals: number])[] = [
  [9999.5e-9, 1e9, "ns", 0],
  [9999.5e-6, 1e6, "us", 0],
  [9999.5e-3, 1e3, "ms", 0],
  [999.5, 1, "s", 1],
  [99999.5, 1, "s", 0],
  [99999.5 * 60, 1 / 60, "m", 0],
  [99999.5 * 3600, 1 / 3600, "h", 0],
  [99999.5 * 86400, 1 / 86400, "d", 0],
];

/** A magnitude in the unit that keeps it to four or five digits, as chronyc's offset columns do. */
function duration(x: number): string {
  return scaled(Math.abs(x), false);
}

function signedDuration(x: number): string {
  return scaled(x, true);
}

function scaled(x: number, withSign: boolean): string {
  const magnitude = Math.abs(x);
  const [, scale, unit, decimals] = UNITS.find(([limit]) => magnitude < limit) ?? [0, 1 / (86400 * 365), "y", 0];
  const width = (unit.length === 2 ? 4 : 5) + (withSign ? 1 : 0);
  const value = Math.abs(x * scale).toFixed(decimals);
  const text = withSign ? `${x < 0 ? "-" : "+"}${value}` : value;
  return `${text.padStart(width)}${unit}`;
}
