import type { CertificateFacts } from "../keys/nts/certificate-facts";
import type { NtsKeySourceSpec } from "../keys/nts/private-key";
import type { HostFile, ManifestNts, NtsCertificateEntry } from "../manifest/schema";
import { ConfigError } from "../model/config-error";
import { Directive, directive } from "../model/directive";
import { ntsPaths } from "../render/nts-files";
import { sha256Hex } from "../sha256";
import { FleetDeclaration, HostDeclaration, NtsAuthorityDeclaration, NtsCertificateDeclaration, SourceDeclaration } from "./declaration";

/** An authority's certificate, as clients get it in their trusted CAs. */
export interface ResolvedNtsAuthority {
  readonly pem: string;
  readonly facts: CertificateFacts;
}

/** A server certificate ready to deploy: the chain (public), where its key is, and the key's keyed fingerprint. */
export interface ResolvedNtsCertificate {
  readonly pem: string;
  readonly facts: CertificateFacts;
  readonly keySource: NtsKeySourceSpec;
  readonly keyFingerprint: string;
  /** Problems that do not stop synth (a brought certificate close to expiry...). */
  readonly warnings: readonly string[];
}

/**
 * What the compiler asks of the NTS material: the authorities' certificates, and each server
 * certificate for the names its holders' clients use (issued or reused for an authority of the app,
 * read for a brought one). The compiler never sees a private key.
 */
export interface NtsMaterial {
  authority(authority: NtsAuthorityDeclaration): ResolvedNtsAuthority;
  certificate(
    certificate: NtsCertificateDeclaration,
    names: readonly string[],
    authority: NtsAuthorityDeclaration | undefined,
  ): ResolvedNtsCertificate;
}

/** The NTS part of one host's compiled manifest. */
export interface HostNts {
  /** ntsserverkey/ntsservercert and ntstrustedcerts lines for chrony.conf. */
  readonly directives: readonly Directive[];
  /** The server certificate and the trusted CAs, as files to write. */
  readonly files: readonly HostFile[];
  readonly manifest?: ManifestNts;
  /** Digest of the key's path, ownership and keyed fingerprint (for the push resource's triggers). */
  readonly digest?: string;
  /** For each source of the host: why NTS-KE is expected to fail, if synth can tell. */
  readonly sourceProblems: ReadonlyArray<string | undefined>;
  readonly warnings: readonly string[];
}

/** The `ntsport` a host serves NTS-KE on, when its configuration sets one. */
export function ntsPortOf(host: HostDeclaration): number | undefined {
  const line = host.config.directives.find((d) => d.name.toLowerCase() === "ntsport");
  return line ? Number(line.args[0]) : undefined;
}

function hasDirective(host: HostDeclaration, name: string): boolean {
  return host.config.directives.some((d) => d.name.toLowerCase() === name);
}

function byName<T extends { readonly ref: string }>(items: readonly T[] | undefined, what: string): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items ?? []) {
    if (map.has(item.ref)) throw new ConfigError(`two ${what}s have the same ref '${item.ref}': each needs its own`);
    map.set(item.ref, item);
  }
  return map;
}

/**
 * NTS across the fleet: which certificate each server holds and for which names, which CAs each
 * client trusts, and whether an NTS source can be expected to authenticate. Material is resolved
 * once per certificate, through `material`.
 */
export class NtsDistribution {
  private readonly authorities: Map<string, NtsAuthorityDeclaration>;
  private readonly certificates: Map<string, NtsCertificateDeclaration>;
  private readonly holders = new Map<string, HostDeclaration[]>();
  private readonly resolvedCertificates = new Map<string, ResolvedNtsCertificate>();
  private readonly resolvedAuthorities = new Map<string, ResolvedNtsAuthority>();

  constructor(
    fleet: FleetDeclaration,
    private readonly hosts: ReadonlyMap<string, HostDeclaration>,
    private readonly material: NtsMaterial | undefined,
  ) {
    this.authorities = byName(fleet.ntsAuthorities, "NTS certificate authoritie");
    this.certificates = byName(fleet.ntsCertificates, "NTS certificate");
    const names = new Map<string, string>();
    for (const a of this.authorities.values()) {
      const other = names.get(`${a.keyStore}\0${a.name}`);
      if (other)
        throw new ConfigError(
          `NTS authorities ${other} and ${a.ref} have the same name '${a.name}' in key store ${a.keyStore}: give one another name`,
        );
      names.set(`${a.keyStore}\0${a.name}`, a.ref);
    }
    for (const c of this.certificates.values()) {
      if ("authority" in c.issuer && !this.authorities.has(c.issuer.authority)) {
        throw new ConfigError(`NTS certificate ${c.ref} names authority ${c.issuer.authority}, which is not declared in the app`);
      }
    }
    for (const host of hosts.values()) {
      const cert = host.nts?.certificate;
      if (cert !== undefined) {
        if (!this.certificates.has(cert)) throw new ConfigError(`host ${host.id}: its NTS certificate ${cert} is not declared in the app`);
        this.holders.set(cert, [...(this.holders.get(cert) ?? []), host]);
      }
      for (const a of host.nts?.trustedAuthorities ?? []) {
        if (!this.authorities.has(a)) throw new ConfigError(`host ${host.id}: trusted NTS authority ${a} is not declared in the app`);
      }
    }
  }

  /** The names a certificate must carry: the NTP address of each host holding it, and its extra names. */
  public namesOf(certificate: NtsCertificateDeclaration): string[] {
    const names = new Set((this.holders.get(certificate.ref) ?? []).map((h) => h.ntpAddress));
    if ("authority" in certificate.issuer) certificate.issuer.extraNames.forEach((n) => names.add(n));
    return [...names].sort();
  }

  private authority(ref: string): ResolvedNtsAuthority {
    let found = this.resolvedAuthorities.get(ref);
    if (!found) {
      found = this.need().authority(this.authorities.get(ref)!);
      this.resolvedAuthorities.set(ref, found);
    }
    return found;
  }

  private certificate(ref: string): ResolvedNtsCertificate {
    let found = this.resolvedCertificates.get(ref);
    if (!found) {
      const decl = this.certificates.get(ref)!;
      found = this.need().certificate(decl, this.namesOf(decl), "authority" in decl.issuer ? this.authorities.get(decl.issuer.authority) : undefined);
      this.resolvedCertificates.set(ref, found);
    }
    return found;
  }

  private need(): NtsMaterial {
    if (!this.material) throw new Error("the fleet declares NTS certificates but the compiler was given no NTS material");
    return this.material;
  }

  /** The authority that issued a host's certificate, if one of the app's did. */
  private issuerOf(host: HostDeclaration): string | undefined {
    const cert = host.nts?.certificate !== undefined ? this.certificates.get(host.nts.certificate) : undefined;
    return cert && "authority" in cert.issuer ? cert.issuer.authority : undefined;
  }

  /** The app host an NTS source points at: by reference, or by its NTP address. */
  private targetOf(source: SourceDeclaration, byNtpAddress: ReadonlyMap<string, HostDeclaration>): HostDeclaration | undefined {
    return "host" in source.to ? this.hosts.get(source.to.host) : byNtpAddress.get(source.to.address);
  }

  /** Authorities the host trusts: those it names, and the issuers of the app servers it uses with NTS. */
  private trustedBy(host: HostDeclaration): string[] {
    const refs = new Set(host.nts?.trustedAuthorities ?? []);
    for (const s of host.sources) {
      if (!s.options.nts || !("host" in s.to)) continue;
      const issuer = this.issuerOf(this.hosts.get(s.to.host)!);
      if (issuer) refs.add(issuer);
    }
    return [...refs].sort((a, b) => compare(this.authorities.get(a)!.name, this.authorities.get(b)!.name) || compare(a, b));
  }

  public forHost(host: HostDeclaration, sourceLines: readonly Directive[], byNtpAddress: ReadonlyMap<string, HostDeclaration>): HostNts {
    const paths = ntsPaths(host.profile);
    const p = host.profile;
    const directives: Directive[] = [];
    const files: HostFile[] = [];
    const entries: NtsCertificateEntry[] = [];
    const warnings: string[] = [];
    let key: ManifestNts["key"];

    const certRef = host.nts?.certificate;
    if (certRef !== undefined) {
      const decl = this.certificates.get(certRef)!;
      const cert = this.certificate(certRef);
      const names = this.namesOf(decl);
      directives.push(directive("ntsserverkey", paths.serverKey), directive("ntsservercert", paths.serverCert));
      files.push({ path: paths.serverCert, content: cert.pem, mode: p.confMode, owner: `${p.confOwner}:${p.confGroup}`, role: "nts-cert" });
      key = {
        path: paths.serverKey,
        owner: p.keysOwner,
        group: p.keysGroup,
        mode: p.keysMode,
        source: cert.keySource,
        fingerprint: cert.keyFingerprint,
      };
      entries.push({
        role: "server",
        name: certRef,
        path: paths.serverCert,
        ...cert.facts,
        ...("authority" in decl.issuer ? { issuedBy: decl.issuer.authority } : {}),
        requiredNames: names,
        renewBeforeDays: decl.renewBeforeDays,
        hardLimitDays: decl.hardLimitDays,
      });
      const missing = names.filter((n) => !cert.facts.names.includes(n));
      if (missing.length > 0) {
        warnings.push(
          `host ${host.id}: NTS certificate ${certRef} does not name ${missing.join(", ")}, which its clients use: apply will refuse it until it does`,
        );
      }
      warnings.push(...cert.warnings.map((w) => `host ${host.id}: ${w}`));
    }

    const trusted = this.trustedBy(host);
    if (trusted.length > 0) {
      const cas = trusted.map((ref) => ({ ref, ca: this.authority(ref) }));
      directives.push(directive("ntstrustedcerts", paths.trustedCas));
      files.push({
        path: paths.trustedCas,
        content: cas.map((c) => c.ca.pem.trim()).join("\n") + "\n",
        mode: p.confMode,
        owner: `${p.confOwner}:${p.confGroup}`,
        role: "nts-ca",
      });
      for (const { ref, ca } of cas) {
        const a = this.authorities.get(ref)!;
        entries.push({
          role: "trusted",
          name: ref,
          path: paths.trustedCas,
          ...ca.facts,
          requiredNames: [],
          renewBeforeDays: a.renewBeforeDays,
          hardLimitDays: a.hardLimitDays,
        });
      }
    }

    const sourceProblems = host.sources.map((s, i) => {
      if (!s.options.nts) return undefined;
      const target = this.targetOf(s, byNtpAddress);
      if (!target) return undefined;
      const problem = this.expectedProblem(host, target, sourceLines[i].args[0], trusted);
      if (problem) warnings.push(`host ${host.id}: ${s.kind} ${sourceLines[i].args[0]} uses NTS, but NTS-KE will fail: ${problem}`);
      return problem;
    });

    const manifest = key || entries.length > 0 ? { ...(key ? { key } : {}), certificates: entries } : undefined;
    const digest = key ? sha256Hex([key.path, key.owner, key.group, key.mode, key.fingerprint].join("\0")) : undefined;
    return { directives, files, manifest, digest, sourceProblems, warnings };
  }

  /** Why `client` cannot authenticate `server` (an app host it names as `name`) with NTS, if synth can tell. */
  private expectedProblem(client: HostDeclaration, server: HostDeclaration, name: string, trusted: readonly string[]): string | undefined {
    const certRef = server.nts?.certificate;
    if (certRef === undefined) {
      if (hasDirective(server, "ntsserverkey")) return undefined;
      throw new ConfigError(
        `host ${client.id}: its server ${name} (host ${server.id}) is used with NTS, but ${server.id} is not an NTS server: give ${server.id} an ntsCertificate (an NtsCertificateAuthority or an NtsCertificate)`,
      );
    }
    const cert = this.certificate(certRef);
    const issuer = this.issuerOf(server);
    const trust = trusted.map((ref) => `'${this.authority(ref).facts.subject}'`);
    const systemCas = !hasDirective(client, "nosystemcert");
    const trustText = `it trusts ${[...trust, ...(systemCas ? ["the system CAs"] : [])].join(", ") || "no CA"}`;
    if (issuer !== undefined && !trusted.includes(issuer)) {
      return `its certificate is issued by '${cert.facts.issuer}' (${issuer}), which this host does not trust (${trustText})`;
    }
    if (issuer === undefined && !systemCas && !trusted.some((ref) => this.authority(ref).facts.subject === cert.facts.issuer)) {
      return `its certificate is issued by '${cert.facts.issuer}', which this host does not trust (${trustText})`;
    }
    if (!cert.facts.names.includes(name)) {
      return `its certificate does not name ${name} (it names ${cert.facts.names.join(", ") || "nothing in subjectAltName"})`;
    }
    return undefined;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
