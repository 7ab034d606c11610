import * as v from "valibot";
import { KEY_TYPES, NtpKeyTypeName } from "../keys/key-type";
import { SOURCE_KINDS } from "../model/areas/sources";
import { hasControlCharacters } from "../model/directive";
import { absolutePathSchema, accountNameSchema, argvSchema, fileModeSchema, hostProfileSchema } from "../model/profiles/host-profile";
import { fingerprintSaltSchema } from "../keys/fingerprint";
import { controllerPathSchema, keySourceSchema } from "../keys/key-source";
import { certificateFactsSchema } from "../keys/nts/certificate-facts";
import { ntsKeySourceSchema } from "../keys/nts/private-key";

/**
 * The host manifest: everything `cdktf-chrony apply` needs for one host, and nothing secret. The
 * fleet compiler writes it at synth; apply, verify, drift and the other commands read it back, often
 * in another job or on another machine, so it is checked in full before anything connects.
 *
 * This file is the one definition of each concept the compiler and the deploy side share: the
 * types below are inferred from the schemas, so they cannot drift apart.
 */

/** Bumped when a change would make an older CLI misread a manifest. */
export const MANIFEST_FORMAT = 3;
export const MANIFEST_SCHEMA = `cdktf-chrony/host-manifest@${MANIFEST_FORMAT}` as const;

/**
 * Which part of chronyd's configuration a file is: it decides reload sources / rekey / restart.
 * NTS: "nts-cert" and "nts-key" are a server's certificate chain and private key (chronyd loads
 * them only at start), "nts-ca" the CAs a client trusts (read at each NTS-KE session).
 * "firewall" is the host's firewall rules for chrony's ports (loaded into the firewall, not read by chronyd).
 */
export const FILE_ROLES = ["conf", "sources", "keys", "nts-cert", "nts-key", "nts-ca", "firewall"] as const;
export type FileRole = (typeof FILE_ROLES)[number];

/** "least-disruptive": reload sources / rekey when enough; "restart": always restart on a change. */
export const RELOAD_POLICIES = ["least-disruptive", "restart"] as const;
export type ReloadPolicy = (typeof RELOAD_POLICIES)[number];

/**
 * What apply does with keys already in the host's chrony.keys that the app does not declare:
 * "refuse" stops before anything changes and lists their IDs; "keep" carries them over; "remove" drops them.
 */
export const UNDECLARED_KEY_POLICIES = ["refuse", "keep", "remove"] as const;
export type UndeclaredKeyPolicy = (typeof UNDECLARED_KEY_POLICIES)[number];

const nonEmpty = v.pipe(v.string(), v.minLength(1, "a non-empty string"));
const port = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535, "a port from 1 to 65535"));
const positive = v.pipe(v.number(), v.minValue(0.001, "a positive number"));
const hostId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "a host name of letters, digits, '.', '_' and '-'"));
const controllerPath = controllerPathSchema;

/** How the controller checks a host's SSH key. Trust on first use happens only when asked. */
export const hostKeyPolicySchema = v.variant("kind", [
  v.object({ kind: v.literal("knownHosts"), path: controllerPath, trustOnFirstUse: v.boolean() }),
  v.object({ kind: v.literal("fingerprint"), sha256: v.pipe(v.string(), v.regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, "a SHA256:... fingerprint")) }),
]);
export type HostKeyPolicySpec = v.InferOutput<typeof hostKeyPolicySchema>;

const sshAddress = v.pipe(
  v.string(),
  v.check((a) => a !== "" && !/\s/.test(a) && !hasControlCharacters(a), "a hostname or IP address"),
);

/** A jump host (bastion) on the way to the target; its host key is checked like the target's. */
export const sshHopSchema = v.object({
  address: sshAddress,
  port,
  user: accountNameSchema,
  /** Absent: use the ssh-agent at SSH_AUTH_SOCK. */
  privateKeyPath: v.optional(controllerPath),
  hostKey: hostKeyPolicySchema,
});
export type SshHopSpec = v.InferOutput<typeof sshHopSchema>;

/** Target fields the app set itself: an OpenSSH config never overrides them. */
export const SSH_CONFIG_FIELDS = ["port", "user", "privateKeyPath", "hostKey", "jump"] as const;

export const sshTargetSchema = v.object({
  address: sshAddress,
  port,
  user: accountNameSchema,
  /** Absent: use the ssh-agent at SSH_AUTH_SOCK. */
  privateKeyPath: v.optional(controllerPath),
  hostKey: hostKeyPolicySchema,
  /** Run privileged commands with `sudo -n`. */
  sudo: v.boolean(),
  /** Jump hosts, first to last (OpenSSH's ProxyJump). Absent: a direct connection. */
  jump: v.optional(v.array(sshHopSchema)),
  /** Read this OpenSSH client config at connect time for what the app left unset (`address` is its Host). */
  sshConfig: v.optional(v.object({ path: controllerPath, explicit: v.array(v.picklist(SSH_CONFIG_FIELDS)) })),
});
export type SshTargetSpec = v.InferOutput<typeof sshTargetSchema>;

const keyTypeSchema = v.custom<NtpKeyTypeName>((x) => typeof x === "string" && KEY_TYPES.has(x), `one of ${[...KEY_TYPES.keys()].join(", ")}`);

/** A key the host holds, without its material. */
export const manifestKeySchema = v.object({
  id: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2 ** 32 - 1, "a key ID from 1 to 4294967295")),
  type: keyTypeSchema,
  /** Keyed fingerprint of the material at synth time. */
  fingerprint: v.pipe(v.string(), v.regex(/^hmac-sha256:[0-9a-f]{32}$/, "a keyed fingerprint (hmac-sha256:...)")),
  source: keySourceSchema,
  /** The NtpKey construct's path, for reports. */
  name: v.string(),
});
export type ManifestKey = v.InferOutput<typeof manifestKeySchema>;

/** A file to place on a host: chrony.conf, the managed sources file, NTS certificates (chrony.keys and an NTS private key are built at apply). */
export const hostFileSchema = v.object({
  path: absolutePathSchema,
  content: v.string(),
  mode: fileModeSchema,
  /** "user:group" */
  owner: v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?:[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/, "user:group")),
  role: v.picklist(FILE_ROLES),
});
export type HostFile = v.InferOutput<typeof hostFileSchema>;

/** A source verify expects chronyd to list, by the name written on its line. */
export const expectedSourceSchema = v.object({
  kind: v.picklist(SOURCE_KINDS),
  /** As written on the source line (address or hostname). */
  name: nonEmpty,
  keyId: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  nts: v.boolean(),
  /** Why synth expects NTS-KE with this source to fail (e.g. an issuer the host does not trust), for verify's message. */
  ntsProblem: v.optional(v.string()),
});
export type ExpectedSource = v.InferOutput<typeof expectedSourceSchema>;

export const rotationStatusSchema = v.object({
  name: v.string(),
  phase: v.picklist(["add", "switch", "retire"]),
  fromKeyId: v.number(),
  toKeyId: v.number(),
});
export type RotationStatus = v.InferOutput<typeof rotationStatusSchema>;

const daysSchema = v.pipe(v.number(), v.integer(), v.minValue(0, "a number of days"));

/** A certificate the host holds: an NTS server's own, or a CA it trusts. Public facts only. */
export const ntsCertificateEntrySchema = v.object({
  role: v.picklist(["server", "trusted"]),
  /** The NtsCertificate's or NtsCertificateAuthority's construct path, for reports. */
  name: v.string(),
  /** Where the host holds it. */
  path: absolutePathSchema,
  ...certificateFactsSchema.entries,
  /** An authority of the app issued it (synth re-issues it when due); absent: brought, or a CA. */
  issuedBy: v.optional(v.string()),
  /** The names its clients use on their source lines: apply checks the certificate has each. */
  requiredNames: v.array(v.string()),
  renewBeforeDays: daysSchema,
  hardLimitDays: daysSchema,
});
export type NtsCertificateEntry = v.InferOutput<typeof ntsCertificateEntrySchema>;

/** NTS material of a host: its server key (by source and keyed fingerprint, never the key) and certificates. */
export const manifestNtsSchema = v.object({
  key: v.optional(
    v.object({
      path: absolutePathSchema,
      owner: accountNameSchema,
      group: accountNameSchema,
      mode: fileModeSchema,
      source: ntsKeySourceSchema,
      /** Keyed fingerprint of the key at synth time. */
      fingerprint: v.pipe(v.string(), v.regex(/^hmac-sha256:[0-9a-f]{32}$/, "a keyed fingerprint (hmac-sha256:...)")),
    }),
  ),
  certificates: v.array(ntsCertificateEntrySchema),
});
export type ManifestNts = v.InferOutput<typeof manifestNtsSchema>;

/**
 * The firewall rules apply loads with the configuration (the file of role "firewall" holds them):
 * nftables, in a table of cdktf-chrony's own whose accepted packets carry `mark`.
 */
export const manifestFirewallSchema = v.object({
  backend: v.literal("nftables"),
  /** The table (family inet) the file replaces as a whole. */
  table: v.pipe(v.string(), v.regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, "an nftables table name")),
  /** Set on every packet the table accepts; another table's default-drop chain must accept it. */
  mark: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(0xffffffff, "a packet mark from 1 to 0xffffffff")),
  /** The address families the rules open something in (a dropping chain of another family does not matter). */
  families: v.array(v.picklist([4, 6])),
  /** What the rules open, one line each, for reports ("323/udp from 198.18.8.0/24 (cmdallow, bindcmdaddress)"). */
  openings: v.array(v.string()),
  /** nft on the host. */
  nft: argvSchema,
  /** Runs a command in a new, empty network namespace: nft lists a file's table there as it prints it, without touching the host's. */
  scratch: argvSchema,
});
export type ManifestFirewall = v.InferOutput<typeof manifestFirewallSchema>;

export const hostManifestSchema = v.object({
  schema: v.literal(MANIFEST_SCHEMA),
  id: hostId,
  /** Which cdktf-chrony wrote it, e.g. "cdktf-chrony 0.2.0" (for messages about format versions). */
  generator: v.string(),
  stack: nonEmpty,
  target: sshTargetSchema,
  profile: hostProfileSchema,
  chronyVersion: v.pipe(v.string(), v.regex(/^\d+\.\d+(\.\d+)?$/, "a chrony release such as 4.3")),
  /** chrony.conf and the sources file, rendered. */
  files: v.array(hostFileSchema),
  keys: v.object({
    path: absolutePathSchema,
    owner: accountNameSchema,
    group: accountNameSchema,
    mode: fileModeSchema,
    entries: v.array(manifestKeySchema),
    undeclared: v.picklist(UNDECLARED_KEY_POLICIES),
  }),
  fingerprintSalt: fingerprintSaltSchema,
  reloadPolicy: v.picklist(RELOAD_POLICIES),
  verify: v.object({
    sources: v.array(expectedSourceSchema),
    /** Where the controller can reach chronyd's UDP command port, if it can. */
    cmdEndpoint: v.optional(v.object({ host: nonEmpty, port })),
    requireSynchronised: v.boolean(),
    timeoutSeconds: positive,
  }),
  rotations: v.array(rotationStatusSchema),
  /** Absent for a host without NTS certificates of the app. */
  nts: v.optional(manifestNtsSchema),
  /** Absent: the host's firewall is left alone. */
  firewall: v.optional(manifestFirewallSchema),
  warnings: v.array(v.string()),
  /** The digests in the push resource's triggers. */
  digests: v.object({ files: v.string(), keys: v.string(), nts: v.optional(v.string()) }),
});
export type HostManifest = v.InferOutput<typeof hostManifestSchema>;
