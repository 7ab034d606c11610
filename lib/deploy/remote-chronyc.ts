import {
  chronycArgs,
  chronycFailure,
  parseChronycAuthData,
  parseChronycNtpData,
  parseChronycRtcData,
  parseChronycSources,
  parseChronycTracking,
  type AuthData,
  type NtpData,
  type RtcReport,
  type SourceReport,
  type Tracking,
} from "../cmdmon";
import { shellJoin } from "../ssh/shell-quote";
import { SshSession } from "../ssh/types";

const SPLIT = "---cdktf-chrony-split---";

/**
 * chronyc on the host over SSH: the path for the commands chronyd serves only on its Unix socket
 * (reload sources, rekey, ntpdata) and for hosts whose UDP command port the controller cannot reach.
 */
export class RemoteChronyc {
  constructor(
    private readonly session: SshSession,
    private readonly prefix: readonly string[],
  ) {}

  public async tracking(): Promise<Tracking> {
    const r = await this.session.exec(chronycArgs(this.prefix, "tracking"), { timeoutMs: 15_000 });
    if (r.code !== 0) throw chronycFailure(r.stdout, r.stderr, r.code);
    return parseChronycTracking(r.stdout);
  }

  /** `chronyc -c rtcdata`: the RTC chronyd tracks, or null when it tracks none ("513 RTC driver not running"). */
  public async rtcData(): Promise<RtcReport | null> {
    const r = await this.session.exec(chronycArgs(this.prefix, "rtcdata"), { timeoutMs: 15_000 });
    if (/^513 /m.test(r.stdout)) return null;
    if (r.code !== 0) throw chronycFailure(r.stdout, r.stderr, r.code);
    return parseChronycRtcData(r.stdout);
  }

  /** Sources with their configured names (`-N`), unresolved ones included (`-a`); one round trip. */
  public sources(): Promise<SourceReport[]> {
    return this.listSources(undefined);
  }

  /**
   * Waits (on the host, in the same round trip) until chronyd answers, then lists the sources.
   * Used right after a restart, when the command socket may not be back yet.
   */
  public sourcesWhenReady(timeoutSeconds: number): Promise<SourceReport[]> {
    return this.listSources(timeoutSeconds);
  }

  private async listSources(waitSeconds: number | undefined): Promise<SourceReport[]> {
    const script = ["set -e"];
    if (waitSeconds !== undefined) {
      const tries = Math.max(1, Math.round(waitSeconds * 5));
      const tracking = shellJoin(chronycArgs(this.prefix, "tracking"));
      script.push(`i=0; until ${tracking} >/dev/null 2>&1; do i=$((i+1)); if [ $i -ge ${tries} ]; then ${tracking}; exit 1; fi; sleep 0.2; done`);
    }
    script.push(
      shellJoin(chronycArgs(this.prefix, "sources", { all: true })),
      `echo ${SPLIT}`,
      shellJoin(chronycArgs(this.prefix, "sources", { all: true, names: true })),
    );
    const r = await this.session.execScript(script.join("\n"), { timeoutMs: ((waitSeconds ?? 0) + 15) * 1000 });
    if (r.code !== 0) throw chronycFailure(r.stdout, r.stderr, r.code);
    const [plain, named] = r.stdout.split(`${SPLIT}\n`);
    return parseChronycSources(plain, named);
  }

  /** ntpdata of every NTP source, in one command. */
  public async ntpDataAll(): Promise<NtpData[]> {
    const r = await this.session.exec(chronycArgs(this.prefix, "ntpdata"), { timeoutMs: 15_000 });
    if (r.code !== 0) throw chronycFailure(r.stdout, r.stderr, r.code);
    return parseChronycNtpData(r.stdout);
  }

  /** authdata of every NTP source (NTS state), in one command. */
  public async authDataAll(): Promise<AuthData[]> {
    const r = await this.session.exec(chronycArgs(this.prefix, "authdata"), { timeoutMs: 15_000 });
    if (r.code !== 0) throw chronycFailure(r.stdout, r.stderr, r.code);
    return parseChronycAuthData(r.stdout);
  }

  /** A command with no report (`reload sources`, `rekey`): throws with chronyc's own words. */
  public async command(words: readonly string[]): Promise<void> {
    const r = await this.session.exec([...this.prefix, ...words], { timeoutMs: 15_000 });
    const said = `${r.stdout}${r.stderr}`.trim();
    if (r.code !== 0 || (said !== "" && !/^200 OK$/m.test(said))) {
      throw new Error(`chronyc ${words.join(" ")} failed (exit ${r.code ?? r.signal}): ${said || "no output"}`);
    }
  }
}
