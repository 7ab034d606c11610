import type { FirewallDeclaration } from "../lib/fleet";
import { DEFAULT_ACCEPT_MARK, FIREWALL_TABLE, handOffRule } from "../lib/firewall/nftables";
import { ConfigError } from "../lib/model/config-error";
import { hasControlCharacters } from "../lib/model/directive";

/** Options of {@link Firewall.nftables}. */
export interface NftablesFirewallProps {
  /**
   * The bit cdktf-chrony sets on every packet its table accepts. nftables ends an accept at the
   * table that gave it, so a host whose own table drops by default must accept packets with this
   * mark (one rule, `meta mark & MARK == MARK accept`); pick another bit if the host already uses
   * this one (policy routing, kube-proxy, Cilium and Tailscale use marks).
   * @default 0x10000000
   */
  readonly acceptMark?: number;
  /**
   * nft on the host, as argv.
   * @default ["nft"]
   */
  readonly nftCommand?: readonly string[];
}

const FIREWALL_BRAND = Symbol.for("cdktf-chrony.Firewall");

/**
 * Whether cdktf-chrony manages the host's firewall for chrony's ports. Opt in with
 * `Firewall.nftables()`: the ports chrony.conf serves are opened, from exactly the addresses it
 * serves (323/udp from `cmdAllow` when `bindCmdAddresses` is not loopback-only, 123/udp from
 * `allow` and from peers, the NTS-KE port for an NTS server), in a table of cdktf-chrony's own
 * that nothing else touches; apply loads it in the same transaction as chrony.conf (checked with
 * `nft -c` first, rolled back with it), and drift reports a rule changed by hand.
 */
export class Firewall {
  public static isFirewall(x: unknown): x is Firewall {
    return typeof x === "object" && x !== null && FIREWALL_BRAND in x;
  }

  /**
   * nftables: table `inet cdktf_chrony`, kept in `/etc/chrony/cdktf-chrony.nft` on the host and
   * loaded with `nft -f` (include that file from the host's nftables.conf to load it at boot).
   */
  public static nftables(props: NftablesFirewallProps = {}): Firewall {
    const mark = props.acceptMark ?? DEFAULT_ACCEPT_MARK;
    if (!Number.isInteger(mark) || mark < 1 || mark > 0xffffffff) {
      throw new ConfigError(
        `invalid firewall acceptMark ${String(props.acceptMark)}: use a packet mark from 0x1 to 0xffffffff, usually one bit such as 0x10000000`,
      );
    }
    const nft = props.nftCommand ?? ["nft"];
    if (!Array.isArray(nft) || nft.length === 0 || nft.some((a) => typeof a !== "string" || a === "" || hasControlCharacters(a))) {
      throw new ConfigError(`invalid firewall nftCommand ${JSON.stringify(props.nftCommand)}: give nft's argv, e.g. ["/usr/sbin/nft"]`);
    }
    return new Firewall({ backend: "nftables", mark, nft: [...nft] });
  }

  /** What the fleet compiler takes. */
  public readonly declaration: FirewallDeclaration;

  private constructor(declaration: FirewallDeclaration) {
    Object.defineProperty(this, FIREWALL_BRAND, { value: true });
    this.declaration = declaration;
  }

  /** The rule a default-drop chain of the host needs so that what this firewall opens gets through. */
  public get handOffRule(): string {
    return handOffRule(this.declaration.mark);
  }

  /** The table cdktf-chrony owns on the host. */
  public get table(): string {
    return `inet ${FIREWALL_TABLE}`;
  }
}
