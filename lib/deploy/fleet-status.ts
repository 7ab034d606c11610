import { queryMany, type CmdmonClient, type SourceReport, type Tracking } from "../cmdmon";
import type { HostManifest } from "../manifest";
import { mapLimit } from "../map-limit";
import type { StackHost } from "./outdir";

/** One host's chronyd as `status OUTDIR` shows it. */
export interface HostStatus {
  readonly host: string;
  readonly stack: string;
  /** Where it was asked: the command endpoint (UDP) or the SSH target. */
  readonly address: string;
  readonly via: "udp" | "ssh";
  /** "ok": chronyd answered; "error": it could not be asked (the reason is in `error`). */
  readonly result: "ok" | "error";
  readonly tracking?: Tracking;
  /** Every source; only the worst one carries its configured `name` (one request fewer per source). */
  readonly sources?: readonly SourceReport[];
  /** Synchronised to a real source (not unsynchronised, not its `local` reference). */
  readonly synchronised?: boolean;
  /** Serving its own clock through the `local` directive. */
  readonly localReference?: boolean;
  /** The source in the worst shape, and why (see worstSource). */
  readonly worstSource?: { readonly source: SourceReport; readonly why: string };
  readonly error?: string;
}

export interface FleetStatusOptions {
  /** Hosts asked at once over UDP. @default 64 */
  readonly udpConcurrency?: number;
  /** Hosts asked at once over SSH (a connection each). @default 16 */
  readonly sshConcurrency?: number;
  /** Milliseconds to wait for each UDP reply (doubling on each of 3 tries). @default 1000 */
  readonly timeoutMs?: number;
  /** Called as each host's answer comes in (in no particular order). */
  readonly onResult?: (status: HostStatus) => void;
}

const LOCAL_REFID = "7F7F0101";

/**
 * Asks every host's chronyd for tracking and sources: over the command protocol (UDP) for hosts
 * with a `verify.cmdEndpoint`, many requests in flight, and with `chronyc -c` over SSH for the
 * others. Results are in the order of `hosts`; sort them with {@link compareStatus}.
 */
export async function fleetStatus(hosts: readonly StackHost[], options: FleetStatusOptions = {}): Promise<HostStatus[]> {
  const results = new Array<HostStatus>(hosts.length);
  const done = (i: number, s: HostStatus) => {
    results[i] = s;
    options.onResult?.(s);
  };
  const udp: Array<{ host: string; port: number; index: number }> = [];
  const ssh: number[] = [];
  hosts.forEach((h, i) => {
    const e = h.manifest.verify.cmdEndpoint;
    if (e) udp.push({ host: e.host, port: e.port, index: i });
    else ssh.push(i);
  });
  const viaUdp = (async () => {
    // Three requests per host and one per source; a name (one more) only for the worst source,
    // the one the line shows: fewer packets than `chronyc -N sources` would send.
    const query = async (client: CmdmonClient) => {
      const [tracking, sources] = await Promise.all([client.tracking(), client.sources({ names: false })]);
      const worst = worstSource(sources)?.source;
      if (worst && worst.mode !== "refclock") {
        const name = await client.sourceName(worst.address).catch(() => undefined);
        if (name !== undefined) return { tracking, sources: sources.map((s) => (s === worst ? { ...s, name } : s)) };
      }
      return { tracking, sources };
    };
    for await (const r of queryMany(udp, query, { concurrency: options.udpConcurrency ?? 64, client: { timeoutMs: options.timeoutMs ?? 1000 } })) {
      const m = hosts[r.endpoint.index].manifest;
      const address = formatAddress(r.endpoint.host, r.endpoint.port);
      done(r.endpoint.index, r.ok ? answered(m, address, "udp", r.value.tracking, r.value.sources) : failed(m, address, "udp", r.error));
    }
  })();
  // SSH (and ssh2) only when some host has no command endpoint.
  const { HostView } = ssh.length > 0 ? await import("./host-view.js") : { HostView: undefined };
  const viaSsh = mapLimit(ssh, options.sshConcurrency ?? 16, async (i) => {
    const { manifest: m, projectDir } = hosts[i];
    const address = formatAddress(m.target.address, m.target.port);
    const view = new HostView!(m, { projectDir });
    try {
      const tracking = await view.tracking();
      done(i, answered(m, address, "ssh", tracking, await view.sources()));
    } catch (err) {
      done(i, failed(m, address, "ssh", err as Error));
    } finally {
      await view.close();
    }
  });
  await Promise.all([viaUdp, viaSsh]);
  return results;
}

function formatAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function answered(m: HostManifest, address: string, via: "udp" | "ssh", tracking: Tracking, sources: readonly SourceReport[]): HostStatus {
  const localReference = tracking.refId === LOCAL_REFID;
  return {
    host: m.id,
    stack: m.stack,
    address,
    via,
    result: "ok",
    tracking,
    sources,
    synchronised: tracking.leapStatus !== "unsynchronised" && !localReference,
    localReference,
    ...(worstSource(sources) ? { worstSource: worstSource(sources) } : {}),
  };
}

function failed(m: HostManifest, address: string, via: "udp" | "ssh", err: Error): HostStatus {
  return { host: m.id, stack: m.stack, address, via, result: "error", error: err.message };
}

/** How bad a source's state is, worst first. */
const STATE_BADNESS: Record<SourceReport["state"], number> = {
  falseticker: 5,
  jittery: 4,
  nonselectable: 3,
  notCombined: 2,
  combined: 1,
  selected: 0,
};

const STATE_WORDS: Record<SourceReport["state"], string> = {
  falseticker: "falseticker",
  jittery: "jittery",
  nonselectable: "not selectable",
  notCombined: "not combined",
  combined: "combined",
  selected: "selected",
};

const popcount = (x: number) => [...x.toString(2)].filter((b) => b === "1").length;

/**
 * The source in the worst shape: one that never answered (reach 0), then by state (falseticker,
 * jittery, not selectable, not combined, combined, selected), then the fewest recent answers, then
 * the largest |offset|.
 */
export function worstSource(sources: readonly SourceReport[]): { source: SourceReport; why: string } | undefined {
  let worst: SourceReport | undefined;
  const key = (s: SourceReport) => [s.reach === 0 ? 1 : 0, STATE_BADNESS[s.state], 8 - popcount(s.reach), Math.abs(s.offset)];
  for (const s of sources) {
    if (!worst) {
      worst = s;
      continue;
    }
    const [a, b] = [key(s), key(worst)];
    const i = a.findIndex((x, k) => x !== b[k]);
    if (i >= 0 && a[i] > b[i]) worst = s;
  }
  if (!worst) return undefined;
  const reach = worst.reach.toString(8).padStart(3, "0");
  return { source: worst, why: worst.reach === 0 ? `no answer yet (reach 000)` : `${STATE_WORDS[worst.state]}, reach ${reach}` };
}

/** How bad a host is: not answering, unsynchronised, serving its local clock, a source that never answered, then by |offset|. */
function severity(s: HostStatus): number {
  if (s.result === "error") return 4;
  if (s.tracking?.leapStatus === "unsynchronised") return 3;
  if (s.worstSource?.source.reach === 0 || (s.worstSource && STATE_BADNESS[s.worstSource.source.state] >= 4)) return 2;
  if (s.localReference) return 1;
  return 0;
}

/** Worst first: by severity, then by |system time offset|, then by stack and name. */
export function compareStatus(a: HostStatus, b: HostStatus): number {
  return (
    severity(b) - severity(a) ||
    Math.abs(b.tracking?.systemTimeOffset ?? 0) - Math.abs(a.tracking?.systemTimeOffset ?? 0) ||
    (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0) ||
    (a.host < b.host ? -1 : a.host > b.host ? 1 : 0)
  );
}

export interface FleetSummary {
  readonly hosts: number;
  readonly synchronised: number;
  readonly localReference: number;
  readonly unsynchronised: number;
  readonly notAnswering: number;
  /** The host with the largest |system time offset| among those that answered. */
  readonly worstOffset?: { readonly host: string; readonly seconds: number };
}

export function summarize(statuses: readonly HostStatus[]): FleetSummary {
  const ok = statuses.filter((s) => s.result === "ok");
  let worst: HostStatus | undefined;
  for (const s of ok) if (!worst || Math.abs(s.tracking!.systemTimeOffset) > Math.abs(worst.tracking!.systemTimeOffset)) worst = s;
  return {
    hosts: statuses.length,
    synchronised: ok.filter((s) => s.synchronised).length,
    localReference: ok.filter((s) => s.localReference && s.tracking!.leapStatus !== "unsynchronised").length,
    unsynchronised: ok.filter((s) => s.tracking!.leapStatus === "unsynchronised").length,
    notAnswering: statuses.length - ok.length,
    ...(worst ? { worstOffset: { host: worst.host, seconds: worst.tracking!.systemTimeOffset } } : {}),
  };
}
