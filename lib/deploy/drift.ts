import { sha256Hex } from "../sha256";
import { keyFingerprint, resolveSalt } from "../keys/fingerprint";
import { decodeKeyMaterial } from "../keys/key-material";
import { DEFAULT_KEY_LINE_TYPE } from "../keys/key-type";
import { parseKeyFile } from "../parse/parse-keys";
import { sourcesFilePath } from "../render/host-files";
import { parseChronycNtpData, parseChronycSources } from "../cmdmon";
import { SshSession } from "../ssh/types";
import { connectHost } from "./connect-host";
import { extraSources, findSource } from "./expected-sources";
import { HostManifest } from "../manifest";
import { parseSurvey, surveyScript } from "./survey-script";

export type DifferenceKind =
  | "file-changed"
  | "file-missing"
  | "foreign-sources-file"
  | "keys"
  | "source-missing"
  | "source-extra"
  | "source-unauthenticated"
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
  readonly error?: string;
  readonly seconds: number;
}


/**
 * Compares the keys a host holds with the manifest by keyed fingerprint. The keys file is read
 * into memory only to fingerprint it: neither its content nor a bare hash is reported.
 */
function compareKeys(manifest: HostManifest, keysText: string | undefined, baseDir: string): Difference[] {
  const path = manifest.keys.path;
  if (keysText === undefined) {
    return manifest.keys.entries.length > 0 ? [{ kind: "file-missing", subject: path, detail: `${path} is missing` }] : [];
  }
  const salt = resolveSalt(manifest.fingerprintSalt, baseDir, { create: false });
  const live = parseKeyFile(keysText);
  const out: Difference[] = live.problems.map((p) => ({ kind: "keys" as const, subject: path, detail: `${path}: ${p.message}` }));
  for (const want of manifest.keys.entries) {
    const have = live.entries.find((e) => e.id === want.id);
    if (!have) {
      out.push({ kind: "keys", subject: path, detail: `key ${want.id} is missing from ${path}` });
      continue;
    }
    let fingerprint = "";
    try {
      fingerprint = keyFingerprint(salt, have.id, have.type ?? DEFAULT_KEY_LINE_TYPE, decodeKeyMaterial(have.id, have.material));
    } catch {
      fingerprint = "undecodable";
    }
    if ((have.type ?? DEFAULT_KEY_LINE_TYPE) !== want.type) {
      out.push({ kind: "keys", subject: path, detail: `key ${want.id} is ${have.type ?? DEFAULT_KEY_LINE_TYPE} on the host, ${want.type} in the manifest` });
    } else if (fingerprint !== want.fingerprint) {
      out.push({ kind: "keys", subject: path, detail: `key ${want.id} has different material on the host (fingerprint ${fingerprint.slice(0, 24)}…, expected ${want.fingerprint.slice(0, 24)}…)` });
    }
  }
  for (const extra of live.entries.filter((e) => !manifest.keys.entries.some((w) => w.id === e.id))) {
    out.push({ kind: "keys", subject: path, detail: `key ${extra.id} is on the host but not in the manifest` });
  }
  return out;
}

/**
 * Checks one host in one SSH command: managed files (digests), chrony.keys (keyed fingerprints),
 * foreign sources files, and chronyd's live sources against the manifest. A keyed source counts as
 * unauthenticated when ntpdata says so for the last reply it got.
 */
export async function checkDrift(manifest: HostManifest, options: { log?: (l: string) => void; projectDir: string }): Promise<HostDrift> {
  const started = Date.now();
  const base = { host: manifest.id, stack: manifest.stack, address: `${manifest.target.address}:${manifest.target.port}` };
  const differences: Difference[] = [];
  const p = manifest.profile;
  let session: SshSession | undefined;
  try {
    session = await connectHost(manifest, { log: options.log, projectDir: options.projectDir });
    const paths = manifest.files.map((f) => f.path);
    const run = await session.execScript(
      surveyScript({ paths, keysPath: manifest.keys.path, isActive: p.service.isActive, sourceDir: p.sourceDir, ownSourcesFile: sourcesFilePath(p), chronyc: p.chronyc }),
      { timeoutMs: 60_000 },
    );
    if (run.code !== 0) throw new Error(`reading the host failed: ${run.stderr.trim() || `exit ${run.code}`}`);
    const survey = parseSurvey(run.stdout, paths.length);
    manifest.files.forEach((f, i) => {
      const live = survey.digests[i];
      if (live === undefined) differences.push({ kind: "file-missing", subject: f.path, detail: `${f.path} is missing` });
      else if (live !== sha256Hex(f.content)) differences.push({ kind: "file-changed", subject: f.path, detail: `${f.path} differs from the deployed version (edited on the host?)` });
    });
    for (const foreign of survey.foreignSourceFiles) {
      differences.push({ kind: "foreign-sources-file", subject: foreign, detail: `${foreign} adds sources that the app does not declare` });
    }
    differences.push(...compareKeys(manifest, survey.keysFile, options.projectDir));
    if (!survey.running || !survey.sources) {
      differences.push({ kind: "daemon-stopped", subject: "chronyd", detail: "chronyd is not running" });
    } else {
      const live = parseChronycSources(survey.sources.plain, survey.sources.named);
      const ntp = survey.ntpData ? parseChronycNtpData(survey.ntpData) : [];
      for (const e of manifest.verify.sources) {
        const s = findSource(live, e);
        if (!s) {
          differences.push({ kind: "source-missing", subject: e.name, detail: `${e.kind} ${e.name} is configured but chronyd does not use it` });
        } else if ((e.keyId !== undefined || e.nts) && s.reach > 0) {
          const data = ntp.find((d) => d.remoteAddress === s.address);
          if (data && !data.authenticated) {
            differences.push({ kind: "source-unauthenticated", subject: e.name, detail: `${e.kind} ${e.name} (key ${e.keyId ?? "NTS"}) answers without authentication` });
          }
        }
      }
      for (const s of extraSources(live, manifest.verify.sources)) {
        differences.push({ kind: "source-extra", subject: s.address, detail: `chronyd uses ${s.mode} ${s.name ?? s.address}, which the manifest does not declare (added at runtime with chronyc?)` });
      }
    }
    return { ...base, status: differences.length === 0 ? "clean" : "drift", differences, seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    return { ...base, status: "error", differences, error: (err as Error).message, seconds: (Date.now() - started) / 1000 };
  } finally {
    await session?.close().catch(() => undefined);
  }
}
