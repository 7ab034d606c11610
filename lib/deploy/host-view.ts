import { CmdmonClient, type AuthData, type NtpData, type SourceReport, type Tracking } from "../cmdmon";
import { SshSession } from "../ssh/types";
import { HostConnector, connectHost } from "./connect-host";
import { HostManifest } from "../manifest";
import { RemoteChronyc } from "./remote-chronyc";

/**
 * One host's chronyd as verify and drift see it. Open commands (tracking, sources) go over UDP
 * with our client when the manifest names a command endpoint the controller can reach; otherwise,
 * and for the socket-only ntpdata, chronyc runs on the host over SSH. Same types either way.
 */
export class HostView {
  private session?: SshSession;
  private connecting?: Promise<SshSession>;
  private udp?: CmdmonClient;
  private udpFailed = false;
  /** How the open commands were answered, for reports. */
  public transport: "udp" | "ssh" = "ssh";

  private readonly log?: (line: string) => void;

  constructor(
    public readonly manifest: HostManifest,
    private readonly options: { readonly log?: (line: string) => void; readonly projectDir: string; readonly connect?: HostConnector },
  ) {
    this.log = options.log;
    const endpoint = manifest.verify.cmdEndpoint;
    if (endpoint) {
      this.udp = new CmdmonClient({ host: endpoint.host, port: endpoint.port, timeoutMs: 500, retries: 2 });
      this.transport = "udp";
    }
  }

  public async ssh(): Promise<SshSession> {
    if (this.session) return this.session;
    this.connecting ??= (this.options.connect ?? connectHost)(this.manifest, { log: this.log, projectDir: this.options.projectDir });
    this.session = await this.connecting;
    return this.session;
  }

  private async chronyc(): Promise<RemoteChronyc> {
    return new RemoteChronyc(await this.ssh(), this.manifest.profile.chronyc);
  }

  /** Tries UDP first; a host whose command port the controller cannot reach falls back to SSH for good. */
  private async open<T>(viaUdp: (c: CmdmonClient) => Promise<T>, viaSsh: (c: RemoteChronyc) => Promise<T>): Promise<T> {
    if (this.udp && !this.udpFailed) {
      try {
        return await viaUdp(this.udp);
      } catch (err) {
        this.udpFailed = true;
        this.transport = "ssh";
        this.log?.(`[${this.manifest.id}] command port ${this.udp.endpoint} did not answer (${(err as Error).message}); using chronyc over SSH`);
      }
    }
    return viaSsh(await this.chronyc());
  }

  public tracking(): Promise<Tracking> {
    return this.open(
      (c) => c.tracking(),
      (c) => c.tracking(),
    );
  }

  public sources(): Promise<SourceReport[]> {
    return this.open(
      (c) => c.sources(),
      (c) => c.sources(),
    );
  }

  /** Socket-only: always chronyc over SSH, every source in one command. */
  public async ntpData(): Promise<NtpData[]> {
    return (await this.chronyc()).ntpDataAll();
  }

  /** Socket-only: always chronyc over SSH (NTS state of every NTP source). */
  public async authData(): Promise<AuthData[]> {
    return (await this.chronyc()).authDataAll();
  }

  public async close(): Promise<void> {
    await this.udp?.close().catch(() => undefined);
    await this.session?.close().catch(() => undefined);
  }
}
