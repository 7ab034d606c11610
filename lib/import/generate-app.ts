import { HostLayout } from "./host-snapshot";
import { ImportedFleet, FleetKey } from "./import-fleet";
import { ImportedHost, ImportedSource } from "./import-host";
import { Code, code, tsLiteral, variableName } from "./ts-source";

export interface GenerateOptions {
  /** The Terraform stack's name. @default "chrony" */
  readonly stackName?: string;
}

const LAYOUT_NAME: Record<HostLayout["kind"], string> = { debian: "Debian layout", rhel: "RHEL layout", sandbox: "sandbox layout" };

function profileCode(host: ImportedHost): Code {
  const layout = host.profile.layout;
  const versionOption = host.chronyVersion !== "4.3" ? `{ chronyVersion: ${JSON.stringify(host.chronyVersion)} }` : "";
  const preset = layout.kind === "sandbox" ? `HostProfiles.sandbox(${tsLiteral(layout.layout)})` : `HostProfiles.${layout.kind}(${versionOption})`;
  const changes: Record<string, unknown> = {
    ...(host.profile.stockLines ? {} : { name: "imported", baseDirectives: [] }),
    ...host.profile.overrides,
  };
  if (Object.keys(changes).length === 0) return code(preset);
  const fields = Object.entries(changes).map(([k, v]) => `${k}: ${tsLiteral(v)}`);
  return code(`{ ...${preset}, ${fields.join(", ")} }`);
}

function targetCode(host: ImportedHost): Code {
  const t = host.snapshot.target;
  if (!t) return code(`{ address: ${JSON.stringify(host.name)}, hostKey: HostKeyPolicy.knownHosts() }`);
  const hostKey = t.knownHostsPath !== undefined ? `HostKeyPolicy.knownHosts(${JSON.stringify(t.knownHostsPath)})` : "HostKeyPolicy.knownHosts()";
  const fields: Record<string, unknown> = {
    address: t.address,
    ...(t.port !== undefined && t.port !== 22 ? { port: t.port } : {}),
    ...(t.user !== undefined && t.user !== "root" ? { user: t.user } : {}),
    ...(t.privateKeyPath !== undefined ? { privateKeyPath: t.privateKeyPath } : {}),
    hostKey: code(hostKey),
  };
  return code(tsLiteral(fields, "  "));
}

/** A source's options as the constructs take them: the key as an NtpKey variable. */
function sourceOptions(s: ImportedSource, keyVars: ReadonlyMap<number, string>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...extra, ...s.options, ...(s.keyId !== undefined ? { key: code(keyVars.get(s.keyId) ?? `key${s.keyId}`) } : {}) };
}

function hostProps(host: ImportedHost, keyVars: ReadonlyMap<number, string>, heldOnly: readonly number[]): string[] {
  const lines: string[] = [];
  const prop = (name: string, value: unknown, origin?: string) => {
    const text = tsLiteral(value instanceof Code ? value : value, "  ");
    const comment = origin && !text.includes("\n") ? ` // ${origin}` : "";
    lines.push(`  ${name}: ${text},${comment}`);
  };
  prop("target", targetCode(host));
  prop("profile", profileCode(host));
  if (host.snapshot.target) prop("ntpAddress", host.snapshot.target.address);
  const { chronyVersion, ...rest } = host.props;
  if (chronyVersion !== undefined) prop("chronyVersion", chronyVersion);
  prop(
    "sourcesPlacement",
    host.sourcesPlacement,
    host.sourcesPlacement === "conf"
      ? 'as on the host; "sourcedir" makes source changes a reload (one restart to switch)'
      : "the host's sources file, taken over",
  );
  for (const [name, value] of Object.entries(rest)) prop(name, value, host.origins[name]);
  for (const kind of ["server", "pool", "peer"] as const) {
    const list = host.sources.filter((s) => s.kind === kind);
    if (list.length === 0) continue;
    const field = kind === "pool" ? "name" : "address";
    prop(
      `${kind}s`,
      list.map((s) => sourceOptions(s, keyVars, { [field]: s.address })),
    );
  }
  if (heldOnly.length > 0)
    prop(
      "keys",
      heldOnly.map((id) => code(keyVars.get(id)!)),
    );
  if (host.undeclaredKeyIds.length > 0) {
    lines.push(
      `  // undeclaredKeys is left unset ("refuse"): chrony.keys also holds key ${host.undeclaredKeyIds.join(", ")}, which could not be imported;`,
      '  // the first apply stops until you set undeclaredKeys: "keep" (carry it over) or "remove".',
    );
  }
  if (host.notImported.length > 0) {
    lines.push("  // Not imported: chronyd would refuse these lines (see the import's report):");
    for (const n of host.notImported) lines.push(`  //   ${n.at}: ${n.line}`);
  }
  if (host.raw.length > 0) {
    lines.push("  rawDirectives: [");
    for (const r of host.raw) lines.push(`    // ${r.at}: ${r.why}`, `    ${JSON.stringify(r.line)},`);
    lines.push("  ],");
  }
  return lines;
}

/**
 * The app's main.ts: one NtpKey per key, one ChronyHost per host with the props that reproduce
 * its chrony.conf (a comment names the line each came from), and the sources between hosts as
 * references. Deterministic: the same hosts give the same text. Never holds key material: keys
 * come from the key store.
 */
export function generateMainTs(fleet: ImportedFleet, options: GenerateOptions = {}): string {
  const taken = new Set<string>();
  const keyVars = new Map<number, string>();
  for (const k of fleet.keys) keyVars.set(k.id, variableName(`key${k.id}`, taken));
  const hostVars = new Map<string, string>();
  for (const h of fleet.hosts) hostVars.set(h.name, variableName(h.name, taken));

  const uses = new Set(["ChronyHost", "HostKeyPolicy", "HostProfiles"]);
  const anyKey =
    fleet.keys.length > 0 || [...fleet.hosts.flatMap((h) => h.sources), ...fleet.links.map((l) => l.source)].some((s) => s.keyId !== undefined);
  if (anyKey) uses.add("NtpKey").add("KeySource");
  const out: string[] = [
    "// Generated by `cdktf-chrony import`. Each ChronyHost's props reproduce that host's chrony.conf as",
    "// chronyd reads it; the comments name the line each prop came from. Key material is never in",
    "// this file: the keys are in the key store (.chrony-keys/, keep it out of git).",
    'import { App, TerraformStack } from "cdktf";',
    `import { ${[...uses].sort().join(", ")} } from "cdktf-chrony";`,
    "",
    "const app = new App();",
    `const stack = new TerraformStack(app, ${JSON.stringify(options.stackName ?? "chrony")});`,
    "",
  ];
  for (const k of fleet.keys) out.push(keyDeclaration(k, keyVars.get(k.id)!));
  // Keys a source uses that no imported chrony.keys held (reported): declared so the app compiles.
  const used = [...fleet.hosts.flatMap((h) => h.sources), ...fleet.links.map((l) => l.source)].flatMap((s) =>
    s.keyId !== undefined ? [s.keyId] : [],
  );
  for (const id of [...new Set(used)].sort((a, b) => a - b).filter((id) => !keyVars.has(id))) {
    const variable = variableName(`key${id}`, taken);
    keyVars.set(id, variable);
    out.push(
      `// Key ${id} was in no imported chrony.keys: put the host's key in .chrony-keys/key-${id}.line ("${id} TYPE HEX:...") before synth,`,
      "// or synth generates a new one that the host's peers do not have; set its type to match.",
      `const ${variable} = new NtpKey(stack, ${JSON.stringify(`key-${id}`)}, { keyId: ${id}, type: "SHA256", source: KeySource.keyStore() });`,
    );
  }
  if (anyKey) out.push("");

  for (const h of fleet.hosts) {
    const origin = h.snapshot.target ? `${h.snapshot.origin}` : h.snapshot.origin;
    out.push(`// ${h.name}: ${origin} (chrony ${h.chronyVersion}, ${LAYOUT_NAME[h.profile.layout.kind]})`);
    if (!h.snapshot.target) out.push("// The host was imported from a file: set target.address to where SSH reaches it.");
    const ownKeys = new Set(h.sources.flatMap((s) => (s.keyId !== undefined ? [s.keyId] : [])));
    for (const l of fleet.links) if (l.from === h.name && l.source.keyId !== undefined) ownKeys.add(l.source.keyId);
    const heldOnly = fleet.keys.filter((k) => k.holders.includes(h.name) && !ownKeys.has(k.id)).map((k) => k.id);
    // A variable only for hosts another host refers to: the others need none.
    const referenced = fleet.links.some((l) => l.from === h.name || l.to === h.name);
    const declare = referenced ? `const ${hostVars.get(h.name)} = ` : "";
    out.push(`${declare}new ChronyHost(stack, ${JSON.stringify(h.name)}, {`, ...hostProps(h, keyVars, heldOnly), "});", "");
  }

  if (fleet.links.length > 0) {
    out.push("// Sources that are hosts of this app: their address, NTP port and key follow the host.");
    for (const l of fleet.links) {
      const method = l.source.kind === "peer" ? "addPeer" : "addServer";
      const options = sourceOptions(l.source, keyVars);
      const args = Object.keys(options).length > 0 ? `, ${tsLiteral(options)}` : "";
      out.push(`${hostVars.get(l.from)}.${method}(${hostVars.get(l.to)}${args}); // ${l.source.at}`);
    }
    out.push("");
  }
  out.push("app.synth();", "");
  return out.join("\n");
}

function keyDeclaration(k: FleetKey, variable: string): string {
  return `const ${variable} = new NtpKey(stack, ${JSON.stringify(`key-${k.id}`)}, { keyId: ${k.id}, type: ${JSON.stringify(k.type)}, source: KeySource.keyStore() }); // held by ${k.holders.join(", ")}`;
}
