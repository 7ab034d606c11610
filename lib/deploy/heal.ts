import { applyHost, ApplyResult } from "./apply";
import { chronydAction } from "./change-plan";
import type { HostConnector } from "./connect-host";
import { checkDrift, HostDrift } from "./drift";
import { HostView } from "./host-view";
import { HostManifest } from "../manifest";
import { RemoteChronyc } from "./remote-chronyc";

export interface HealResult {
  readonly host: string;
  readonly apply: ApplyResult;
  /** Runtime-only changes undone with chronyc (sources deleted or reloaded). */
  readonly runtimeFixes: readonly string[];
  readonly after: HostDrift;
}

/**
 * Brings a drifted host back to its manifest: a safe apply for files and keys, then `chronyc delete`
 * for sources added at runtime and `reload sources` for configured ones chronyd dropped.
 */
export async function healHost(
  manifest: HostManifest,
  drift: HostDrift,
  log: (l: string) => void,
  projectDir: string,
  connect?: HostConnector,
): Promise<HealResult> {
  const apply = await applyHost(manifest, { log, projectDir, connect });
  const runtimeFixes: string[] = [];
  if (apply.result === "ok" || apply.result === "unchanged") {
    const runtime = drift.differences.filter((d) => d.kind === "source-extra" || d.kind === "source-missing");
    // A restart (or start) already dropped runtime sources and reread the configured ones.
    const restarted = /^(re)?start/.test(chronydAction(apply.action));
    if (runtime.length > 0 && !restarted) {
      const view = new HostView(manifest, { log, projectDir, connect });
      try {
        const chronyc = new RemoteChronyc(await view.ssh(), manifest.profile.chronyc);
        for (const d of runtime.filter((r) => r.kind === "source-extra")) {
          await chronyc.command(["delete", d.subject]);
          runtimeFixes.push(`deleted runtime source ${d.subject}`);
          log(`[${manifest.id}] heal: chronyc delete ${d.subject}`);
        }
        if (runtime.some((r) => r.kind === "source-missing")) {
          await chronyc.command(["reload", "sources"]);
          runtimeFixes.push("reloaded sources");
          log(`[${manifest.id}] heal: chronyc reload sources`);
        }
      } finally {
        await view.close();
      }
    }
  }
  return { host: manifest.id, apply, runtimeFixes, after: await checkDrift(manifest, { log, projectDir, connect }) };
}
