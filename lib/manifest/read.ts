import * as fs from "node:fs";
import * as v from "valibot";
import { UserError } from "../errors";
import { ConfigError } from "../model/config-error";
import { HostProfile, checkHostProfile, describeIssue } from "../model/profiles/host-profile";
import { parseChronyVersion } from "../model/version";
import { firewallFilePath } from "../firewall/nftables";
import { ntsPaths } from "../render/nts-files";
import { packageVersion } from "../package-info";
import { HostManifest, MANIFEST_FORMAT, MANIFEST_SCHEMA, hostManifestSchema } from "./schema";

const SCHEMA_PREFIX = "cdktf-chrony/host-manifest@";

/**
 * Parses and checks a manifest in full before anything connects: its format version, every field's
 * type and range, the profile's directives against the chrony grammar, and that the files it
 * writes are the profile's own. `where` names its origin in the one-line error.
 */
export function parseManifest(text: string, where: string): HostManifest {
  return checkManifest(parseObject(text, where), where);
}

/**
 * The profiles a bundle's hosts share, from its header, and those already checked (by key and
 * chrony version): each is checked once per bundle, not once per host.
 */
export interface SharedProfiles {
  readonly profiles: Readonly<Record<string, unknown>>;
  readonly checked: Map<string, HostProfile>;
}

/** A host line of a bundle: as parseManifest, its `profile` the key of one in the bundle's header. */
export function parseBundledManifest(text: string, where: string, shared: SharedProfiles): HostManifest {
  const parsed = parseObject(text, where);
  const key = parsed.profile;
  if (typeof key !== "string") return checkManifest(parsed, where);
  checkFormat(parsed, where);
  if (!Object.hasOwn(shared.profiles, key)) {
    throw new UserError(`invalid host manifest ${where}: its profile '${key}' is not in the bundle's header: synthesize it again with 'cdktf synth'`);
  }
  const version = typeof parsed.chronyVersion === "string" && /^\d+\.\d+(\.\d+)?$/.test(parsed.chronyVersion) ? parsed.chronyVersion : undefined;
  if (version === undefined) return checkManifest({ ...parsed, profile: shared.profiles[key] }, where);
  const memo = `${key}@${version}`;
  let profile = shared.checked.get(memo);
  if (profile === undefined) {
    try {
      profile = checkHostProfile(shared.profiles[key], parseChronyVersion(version), "manifest.profile");
    } catch (err) {
      if (err instanceof ConfigError) throw new UserError(`invalid host manifest ${where}: ${err.message}`);
      throw err;
    }
    shared.checked.set(memo, profile);
  }
  const rest = v.safeParse(manifestWithoutProfileSchema, parsed);
  if (!rest.success) throw new UserError(`invalid host manifest ${where}: ${describeIssue("manifest", rest.issues[0])}`);
  const m: HostManifest = { ...rest.output, profile };
  checkOwnPaths(m, where);
  return m;
}

const manifestWithoutProfileSchema = v.omit(hostManifestSchema, ["profile"]);

function parseObject(text: string, where: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UserError(`host manifest ${where} is not valid JSON: synthesize it again with 'cdktf synth'`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UserError(
      `host manifest ${where} is not a JSON object (got ${parsed === null ? "null" : Array.isArray(parsed) ? "an array" : typeof parsed}): pass a manifest written by 'cdktf synth'`,
    );
  }
  return parsed as Record<string, unknown>;
}

/** The format version first: a manifest of another version gets a message about versions, not fields. */
function checkFormat(parsed: Record<string, unknown>, where: string): void {
  const schema = parsed.schema;
  if (schema !== MANIFEST_SCHEMA) {
    if (typeof schema === "string" && schema.startsWith(SCHEMA_PREFIX)) {
      const writer = parsed.generator;
      throw new UserError(
        `host manifest ${where} has format ${schema.slice(SCHEMA_PREFIX.length)}, written by ${typeof writer === "string" ? writer : "an older cdktf-chrony"}; this CLI (cdktf-chrony ${packageVersion()}) reads format ${MANIFEST_FORMAT}: synthesize again with this version, or run the version that wrote it`,
      );
    }
    throw new UserError(
      `${where} is not a cdktf-chrony host manifest (schema ${JSON.stringify(schema)}, expected '${MANIFEST_SCHEMA}'): pass a manifest written by 'cdktf synth'`,
    );
  }
}

function checkManifest(parsed: Record<string, unknown>, where: string): HostManifest {
  checkFormat(parsed, where);
  const result = v.safeParse(hostManifestSchema, parsed);
  if (!result.success) {
    throw new UserError(`invalid host manifest ${where}: ${describeIssue("manifest", result.issues[0])}: synthesize it again with 'cdktf synth'`);
  }
  const m = result.output;
  try {
    checkHostProfile(m.profile, parseChronyVersion(m.chronyVersion), "manifest.profile");
  } catch (err) {
    if (err instanceof ConfigError) throw new UserError(`invalid host manifest ${where}: ${err.message}`);
    throw err;
  }
  checkOwnPaths(m, where);
  return m;
}

/** Apply writes only the profile's own files: a manifest cannot point it anywhere else. */
function checkOwnPaths(m: HostManifest, where: string): void {
  const nts = ntsPaths(m.profile);
  const expected: Record<string, string> = {
    conf: m.profile.confPath,
    sources: `${m.profile.sourceDir}/${m.profile.sourcesFileName}`,
    "nts-cert": nts.serverCert,
    "nts-ca": nts.trustedCas,
    firewall: firewallFilePath(m.profile),
  };
  const seen = new Set<string>();
  m.files.forEach((f, i) => {
    if (f.role === "keys" || f.role === "nts-key" || f.path !== expected[f.role] || seen.has(f.role)) {
      throw new UserError(
        `invalid host manifest ${where}: manifest.files[${i}] is ${JSON.stringify(f.path)} with role '${f.role}', but the profile's ${f.role} file is ${JSON.stringify(expected[f.role] ?? "built at apply")}: synthesize it again with 'cdktf synth'`,
      );
    }
    seen.add(f.role);
  });
  if (m.keys.path !== m.profile.keysPath) {
    throw new UserError(
      `invalid host manifest ${where}: manifest.keys.path ${JSON.stringify(m.keys.path)} is not the profile's keysPath ${JSON.stringify(m.profile.keysPath)}: synthesize it again`,
    );
  }
  if (m.nts?.key && m.nts.key.path !== nts.serverKey) {
    throw new UserError(
      `invalid host manifest ${where}: manifest.nts.key.path ${JSON.stringify(m.nts.key.path)} is not ${JSON.stringify(nts.serverKey)}: synthesize it again`,
    );
  }
  if (seen.has("firewall") !== (m.firewall !== undefined)) {
    throw new UserError(
      `invalid host manifest ${where}: the firewall rules (role firewall) and manifest.firewall come together: synthesize it again`,
    );
  }
  if (m.nts?.key && !seen.has("nts-cert")) {
    throw new UserError(`invalid host manifest ${where}: manifest.nts.key has no certificate among the files (role nts-cert): synthesize it again`);
  }
}

/** A single manifest file (as `cdktf-chrony inspect --host ID --manifest` prints one). */
export function readManifest(file: string): HostManifest {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot read host manifest ${file} (${code === "EISDIR" ? "it is a folder" : code}): pass a file written by 'cdktf-chrony inspect --host ID --manifest', or run apply from the provisioner`,
    );
  }
  return parseManifest(text, file);
}
