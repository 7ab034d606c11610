import { createPrivateKey } from "node:crypto";
import { parseChronycAuthData, parseChronycNtpData, parseChronycSources } from "../cmdmon";
import { keyFingerprint, resolveSalt } from "../keys/fingerprint";
import { decodeKeyMaterial } from "../keys/key-material";
import { DEFAULT_KEY_LINE_TYPE } from "../keys/key-type";
import { ntsKeyFingerprint } from "../keys/nts/private-key";
import { blockingChains, describeRules } from "../firewall/nftables";
import { certificateExpiry } from "./certificate-expiry";
import type { FileRole, HostManifest } from "../manifest";
import { parseKeyFile } from "../parse/parse-keys";
import { KEPT_KEYS_MARKER } from "../render/host-files";
import { sha256Hex } from "../sha256";
import { isSshError } from "../ssh/errors";
import type { SshSession } from "../ssh/types";
import { HostConnector, connectHost } from "./connect-host";
import { FirewallReport, recordFirewallMarker } from "./firewall-markers";
import {
  ProgramOptions,
  assign,
  basePreamble,
  dataFunction,
  decodeArg,
  newRun,
  ntsSourcesAssignment,
  parseMarker,
  programSource,
  startProgram,
} from "./remote-program";
import { describeLines, lineChanges } from "./line-changes";
import { retiredFirewallPath, retiredFirewallReason } from "./retired-firewall";
import { LiveFile, authDataOf, authentication, authenticator, extraSources, fileMatch, findSource, firewallState, ntsFailure } from "./rules";

export type DifferenceKind =
  | "interrupted-apply"
  | "file-changed"
  | "file-missing"
  | "file-mode"
  | "file-owner"
  | "foreign-sources-file"
  | "keys"
  | "nts-key"
  | "certificate-expiring"
  | "certificate-expired"
  | "source-missing"
  | "source-extra"
  | "source-unauthenticated"
  | "firewall-rules"
  | "firewall-blocked"
  | "firewall-unavailable"
  | "firewall-retired"
  | "daemon-stopped";

export interface Difference {
  readonly kind: DifferenceKind;
  /** What differs, in words; never key material. */
  readonly detail: string;
  /** The file path or source address it concerns. */
  readonly subject: string;
}

export interface HostDrift {
  readonly host: string;
  readonly stack: string;
  readonly address: string;
  readonly status: "clean" | "drift" | "error";
  readonly differences: readonly Difference[];
  /** Advice that is not drift (a certificate within its renewal window), one line each. */
  readonly warnings: readonly string[];
  readonly error?: string;
  readonly seconds: number;
}

export interface DriftOptions {
  readonly log?: (l: string) => void;
  /** The project folder: the fingerprint salt and relative SSH paths resolve here. */
  readonly projectDir: string;
  /** How long to wait for an apply in progress on the host. @default 60 */
  readonly lockWaitSeconds?: number;
  /** @default - SSH (connectHost) */
  readonly connect?: HostConnector;
  /** The time certificates are judged at. @default - now */
  readonly now?: Date;
}

/** What the survey program reported. */
export interface Survey {
  locked: boolean;
  busy?: string;
  journal?: { run: string; state: string; action: string };
  files: Map<FileRole, LiveFile | undefined>;
  /** chrony.conf and the sources file as they are on the host (never chrony.keys: see keysFile). */
  texts: Map<FileRole, string>;
  keysFile?: string;
  ntsKeyFile?: string;
  running: boolean;
  foreign: string[];
  sources?: string;
  named?: string;
  ntpData?: string;
  authData?: string;
  /** The firewall's markers, for a host whose firewall the app manages. */
  firewall: FirewallReport;
  done: boolean;
}

/**
 * Compares the keys a host holds with the manifest by keyed fingerprint. The keys file is read
 * into memory only to fingerprint it: neither its content nor a bare hash is reported.
 */
export function compareKeys(manifest: HostManifest, keysText: string | undefined, salt: Buffer): Difference[] {
  const path = manifest.keys.path;
  if (keysText === undefined) {
    return manifest.keys.entries.length > 0 ? [{ kind: "file-missing", subject: path, detail: `${path} is missing` }] : [];
  }
  const live = parseKeyFile(keysText);
  const out: Difference[] = live.problems.map((p) => ({ kind: "keys" as const, subject: path, detail: `${path}: ${p.message}` }));
  for (const want of manifest.keys.entries) {
    const have = live.entries.find((e) => e.id === want.id);
    if (!have) {
      out.push({ kind: "keys", subject: path, detail: `key ${want.id} is missing from ${path}` });
      continue;
    }
    const type = have.type ?? DEFAULT_KEY_LINE_TYPE;
    if (type !== want.type) {
      out.push({ kind: "keys", subject: path, detail: `key ${want.id} is ${type} on the host, ${want.type} in the manifest` });
      continue;
    }
    let fingerprint: string;
    try {
      fingerprint = keyFingerprint(salt, have.id, type, decodeKeyMaterial(have.id, have.material));
    } catch {
      fingerprint = "undecodable";
    }
    if (fingerprint !== want.fingerprint) {
      out.push({
        kind: "keys",
        subject: path,
        detail: `key ${want.id} has different material on the host (fingerprint ${fingerprint.slice(0, 24)}…, expected ${want.fingerprint.slice(0, 24)}…)`,
      });
    }
  }
  // Keys carried over from before (undeclaredKeys: "keep") sit below the marker; any other key the
  // app does not declare is drift.
  const lines = keysText.split(/\r?\n/);
  const keptFrom = manifest.keys.undeclared === "keep" ? lines.indexOf(KEPT_KEYS_MARKER) + 1 : 0;
  for (const extra of live.entries.filter((e) => !manifest.keys.entries.some((w) => w.id === e.id))) {
    if (keptFrom > 0 && extra.lineNumber > keptFrom) continue;
    out.push({ kind: "keys", subject: path, detail: `key ${extra.id} is on the host but the app does not declare it` });
  }
  return out;
}

/** The NTS server key on the host against the manifest's keyed fingerprint; the key never leaves memory. */
function compareNtsKey(manifest: HostManifest, keyText: string | undefined, salt: Buffer): Difference[] {
  const want = manifest.nts?.key;
  if (!want) return [];
  if (keyText === undefined) return [{ kind: "file-missing", subject: want.path, detail: `${want.path} is missing` }];
  let fingerprint: string;
  try {
    fingerprint = ntsKeyFingerprint(salt, createPrivateKey(keyText));
  } catch {
    fingerprint = "unreadable";
  }
  return fingerprint === want.fingerprint
    ? []
    : [
        {
          kind: "nts-key",
          subject: want.path,
          detail: `the NTS server key ${want.path} differs from the deployed one (fingerprint ${fingerprint.slice(0, 24)}…, expected ${want.fingerprint.slice(0, 24)}…)`,
        },
      ];
}

/** The managed files as drift compares them: content, mode and owner, by the rule apply uses. */
function compareFiles(manifest: HostManifest, live: ReadonlyMap<FileRole, LiveFile | undefined>, texts: ReadonlyMap<FileRole, string>): Difference[] {
  const out: Difference[] = [];
  for (const f of manifest.files) {
    const match = fileMatch(live.get(f.role), { sha256: sha256Hex(f.content), mode: f.mode, owner: f.owner });
    const seen = live.get(f.role);
    if (match === "missing") out.push({ kind: "file-missing", subject: f.path, detail: `${f.path} is missing` });
    if (match === "content") {
      // As the host has it against what was deployed: "maxslewrate added" was added on the host.
      const changes = texts.has(f.role) ? lineChanges(f.content, texts.get(f.role)!) : undefined;
      const lines = changes ? (f.role === "firewall" ? describeRules(changes) : describeLines(changes)) : "";
      out.push({
        kind: "file-changed",
        subject: f.path,
        detail: `${f.path} differs from the deployed version (edited on the host?)${lines ? `: ${lines}` : ""}`,
      });
    }
    if (match === "mode")
      out.push({ kind: "file-mode", subject: f.path, detail: `${f.path} has mode ${seen!.mode}, the manifest wants ${f.mode.toString(8)}` });
    if (match === "owner")
      out.push({ kind: "file-owner", subject: f.path, detail: `${f.path} is owned by ${seen!.owner}, the manifest wants ${f.owner}` });
  }
  const retired = retiredFirewallPath(manifest);
  if (retired !== undefined && live.get("firewall") !== undefined) {
    out.push({
      kind: "firewall-retired",
      subject: retired,
      detail: `${retiredFirewallReason(retired)}: 'drift --heal' or the next apply removes them`,
    });
  }
  // Secret files: content is compared by keyed fingerprint elsewhere; here mode and owner.
  const secrets = [{ role: "keys" as const, ...manifest.keys }, ...(manifest.nts?.key ? [{ role: "nts-key" as const, ...manifest.nts.key }] : [])];
  for (const secret of secrets) {
    const seen = live.get(secret.role);
    const wanted = { sha256: seen?.sha256 ?? "", mode: secret.mode, owner: `${secret.owner}:${secret.group}` };
    const match = fileMatch(seen, wanted);
    if (match === "mode")
      out.push({
        kind: "file-mode",
        subject: secret.path,
        detail: `${secret.path} has mode ${seen!.mode}, the manifest wants ${secret.mode.toString(8)}`,
      });
    if (match === "owner")
      out.push({ kind: "file-owner", subject: secret.path, detail: `${secret.path} is owned by ${seen!.owner}, the manifest wants ${wanted.owner}` });
  }
  return out;
}

/**
 * cdktf-chrony's firewall table on the host against the manifest's rules (both as nft lists them
 * there), and chains of the host's own ruleset that would drop what the table accepts.
 */
export function compareFirewall(manifest: HostManifest, fw: Survey["firewall"]): Difference[] {
  const spec = manifest.firewall;
  if (!spec) return [];
  const subject = `table inet ${spec.table}`;
  if (fw.missing)
    return [
      {
        kind: "firewall-unavailable",
        subject,
        detail: `${spec.nft[0]} is not installed on the host: its firewall rules cannot be loaded (install nftables)`,
      },
    ];
  if (fw.wantError !== undefined)
    return [
      { kind: "firewall-unavailable", subject, detail: `nft cannot list the firewall rules on the host: ${fw.wantError.trim().split("\n").pop()}` },
    ];
  const out: Difference[] = [];
  if (firewallState(fw.live, fw.want) === "differs") {
    const detail = !fw.live?.trim()
      ? `${subject} is not loaded (the host's firewall was reloaded or flushed since the deploy?): 'drift --heal' loads it`
      : `${subject} differs from its rules (changed by hand?): ${describeRules(lineChanges(fw.want ?? "", fw.live))}`;
    out.push({ kind: "firewall-rules", subject, detail });
  }
  try {
    for (const c of blockingChains(fw.ruleset ?? "", spec, new Set(spec.families)))
      out.push({ kind: "firewall-blocked", subject: c.chain, detail: c.reason });
  } catch (err) {
    out.push({ kind: "firewall-blocked", subject, detail: (err as Error).message });
  }
  return out;
}

function surveyPreamble(manifest: HostManifest): string[] {
  const ntsKey = manifest.nts?.key?.path;
  const firewall = manifest.files.find((f) => f.role === "firewall");
  const retired = retiredFirewallPath(manifest);
  return [
    ...(firewall ? [dataFunction("fw_data", [["firewall", firewall.content]]), "fw_wanted() { fw_data firewall; }"] : []),
    assign(
      "FILES",
      [
        ...manifest.files.map((f) => `${f.role} ${f.path}`),
        `keys ${manifest.keys.path}`,
        ...(ntsKey ? [`nts-key ${ntsKey}`] : []),
        ...(retired !== undefined ? [`firewall ${retired}`] : []),
      ].join("\n"),
    ),
    assign("KEYS_PATH", manifest.keys.path),
    assign("NTS_KEY_PATH", ntsKey ?? ""),
    ntsSourcesAssignment(manifest),
  ];
}

/**
 * Checks one host in one SSH command, under the host's lock: an interrupted apply, the managed files
 * (content, mode, owner), chrony.keys key by key (keyed fingerprints), foreign sources files, and
 * chronyd's live sources against the manifest, with the rules apply and verify use.
 */
export async function checkDrift(manifest: HostManifest, options: DriftOptions): Promise<HostDrift> {
  const started = Date.now();
  const base = { host: manifest.id, stack: manifest.stack, address: `${manifest.target.address}:${manifest.target.port}` };
  // Certificates are judged from the manifest (the files on the host are compared by digest below).
  const expiry = certificateExpiry(manifest, options.now ?? new Date());
  const done = (r: { status: HostDrift["status"]; differences: Difference[]; error?: string }): HostDrift => ({
    ...base,
    ...r,
    warnings: expiry.warnings,
    seconds: (Date.now() - started) / 1000,
  });
  let session: SshSession | undefined;
  try {
    // The salt first: without it every key would look changed.
    const salt =
      manifest.keys.entries.length > 0 || manifest.nts?.key
        ? resolveSalt(manifest.fingerprintSalt, options.projectDir, { create: false })
        : Buffer.alloc(0);
    session = await (options.connect ?? connectHost)(manifest, { log: options.log, projectDir: options.projectDir });
    const survey = await runSurvey(session, manifest, { lockWaitSeconds: options.lockWaitSeconds ?? 60 });
    if (survey.busy !== undefined)
      throw new Error(`an apply holds the host (${survey.busy.trim() || "holder unknown"}): check again when it is done`);
    if (!survey.done) throw new Error("the host's answer ended early");
    const differences: Difference[] = [];
    if (survey.journal) {
      const j = survey.journal;
      differences.push({
        kind: "interrupted-apply",
        subject: manifest.profile.confPath,
        detail: `an interrupted apply (run ${j.run}, action ${j.action}) stopped in state ${j.state}: 'cdktf-chrony apply' or 'drift --heal' finishes it`,
      });
    }
    differences.push(...compareFiles(manifest, survey.files, survey.texts));
    differences.push(...compareFirewall(manifest, survey.firewall));
    for (const foreign of survey.foreign) {
      differences.push({ kind: "foreign-sources-file", subject: foreign, detail: `${foreign} adds sources that the app does not declare` });
    }
    differences.push(...compareKeys(manifest, survey.keysFile, salt));
    differences.push(...compareNtsKey(manifest, survey.ntsKeyFile, salt));
    differences.push(...expiry.differences);
    if (!survey.running || survey.sources === undefined || survey.named === undefined) {
      differences.push({ kind: "daemon-stopped", subject: "chronyd", detail: "chronyd is not running" });
    } else {
      const live = parseChronycSources(survey.sources, survey.named);
      const ntp = survey.ntpData ? parseChronycNtpData(survey.ntpData) : [];
      const auth = survey.authData !== undefined ? parseChronycAuthData(survey.authData) : undefined;
      for (const e of manifest.verify.sources) {
        const s = findSource(live, e);
        if (!s) {
          differences.push({ kind: "source-missing", subject: e.name, detail: `${e.kind} ${e.name} is configured but chronyd does not use it` });
          continue;
        }
        const state = authentication(e, s, ntp, auth);
        if (state === "unauthenticated") {
          differences.push({
            kind: "source-unauthenticated",
            subject: e.name,
            detail: `${e.kind} ${e.name} (${authenticator(e)}) answers without authentication`,
          });
        } else if (state === "nts-ke-failed") {
          differences.push({ kind: "source-unauthenticated", subject: e.name, detail: ntsFailure(e, auth && authDataOf(s, auth)) });
        }
      }
      for (const s of extraSources(live, manifest.verify.sources)) {
        differences.push({
          kind: "source-extra",
          subject: s.address,
          detail: `chronyd uses ${s.mode} ${s.name ?? s.address}, which the manifest does not declare (added at runtime with chronyc?)`,
        });
      }
    }
    return done({ status: differences.length === 0 ? "clean" : "drift", differences });
  } catch (err) {
    return done({ status: "error", differences: [], error: (err as Error).message });
  } finally {
    await session?.close().catch(() => undefined);
  }
}

/** Runs the survey program on the host (read-only, under the host's lock) and collects its markers. */
export async function runSurvey(session: SshSession, manifest: HostManifest, options: ProgramOptions): Promise<Survey> {
  const run = newRun();
  const source = programSource("survey", [...basePreamble(manifest, run, options), ...surveyPreamble(manifest)]);
  const survey: Survey = { locked: false, files: new Map(), texts: new Map(), running: false, foreign: [], firewall: {}, done: false };
  const running = await startProgram(session, source, {
    timeoutMs: (options.lockWaitSeconds + 60) * 1000,
    onLine: (line) => {
      const marker = parseMarker(line, run.nonce);
      if (!marker) return;
      if (recordFirewallMarker(survey.firewall, marker.word, marker.args)) return;
      const [a, b, c, d] = marker.args;
      switch (marker.word) {
        case "LOCKED":
          survey.locked = true;
          break;
        case "BUSY":
          survey.busy = decodeArg(a);
          break;
        case "JOURNAL":
          survey.journal = { run: a, state: b, action: c };
          break;
        case "FILE":
          survey.files.set(a as FileRole, b === "-" ? undefined : { sha256: b, mode: c, owner: d });
          break;
        case "TEXT":
          survey.texts.set(a as FileRole, decodeArg(b));
          break;
        case "KEYS":
          survey.keysFile = decodeArg(a);
          break;
        case "NTSKEY":
          survey.ntsKeyFile = decodeArg(a);
          break;
        case "AUTHDATA":
          survey.authData = decodeArg(a);
          break;
        case "RUNNING":
          survey.running = a === "yes";
          break;
        case "FOREIGN":
          survey.foreign.push(decodeArg(a));
          break;
        case "SOURCES":
          survey.sources = decodeArg(a);
          break;
        case "NAMED":
          survey.named = decodeArg(a);
          break;
        case "NTPDATA":
          survey.ntpData = decodeArg(a);
          break;
        case "DONE":
          survey.done = true;
          break;
      }
    },
  });
  running.end();
  try {
    await running.done;
  } catch (err) {
    if (isSshError(err)) throw new Error(`reading the host failed: ${err.message}`, { cause: err });
    throw err;
  }
  return survey;
}
