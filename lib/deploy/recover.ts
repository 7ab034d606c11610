import type { HostManifest } from "../manifest";
import { isSshError } from "../ssh/errors";
import { HostConnector, connectHost } from "./connect-host";
import { ProgramOptions, basePreamble, decodeArg, newRun, parseMarker, programSource, startProgram } from "./remote-program";

export interface RecoveryOutcome {
  /** "old": rolled back; "new": finished (its changes had been verified); "clean": no run was left; "failed". */
  readonly outcome: "old" | "new" | "clean" | "failed";
  /** One clause for the apply's error message. */
  readonly summary: string;
}

export interface RecoverOptions extends ProgramOptions {
  readonly log: (line: string) => void;
  readonly projectDir: string;
  /** @default - SSH (connectHost) */
  readonly connect?: HostConnector;
}

/**
 * Finishes a run the controller lost contact with, over a new connection: waits for the host's
 * lock (the run may still be rolling itself back), then rolls back an unfinished journal, or
 * finishes one whose changes were verified.
 */
export async function recoverHost(manifest: HostManifest, options: RecoverOptions): Promise<RecoveryOutcome> {
  const log = (line: string) => options.log(`[${manifest.id}] ${line}`);
  const run = newRun();
  const source = programSource("recover", basePreamble(manifest, run, options));
  let outcome: RecoveryOutcome = { outcome: "failed", summary: "the recovery run ended without a result" };
  let session;
  try {
    log("recover: connecting again to finish the run");
    session = await (options.connect ?? connectHost)(manifest, { log, projectDir: options.projectDir });
    const running = await startProgram(session, source, {
      timeoutMs: (options.lockWaitSeconds + 120) * 1000,
      onLine: (line) => {
        const marker = parseMarker(line, run.nonce);
        if (!marker) return;
        const [a, b] = marker.args;
        if (marker.word === "BUSY")
          outcome = { outcome: "failed", summary: `recovery could not take the host's lock (${decodeArg(a).trim() || "holder unknown"})` };
        if (marker.word === "JOURNAL") log(`recover: run ${a} stopped in state ${b}`);
        if (marker.word === "CLEAN")
          outcome = {
            outcome: "clean",
            summary: "the host had already finished the run by itself (committed or rolled back): run apply again to confirm",
          };
        if (marker.word === "RECOVERED") {
          outcome =
            b === "new"
              ? { outcome: "new", summary: `run ${a} was finished by recovery` }
              : { outcome: "old", summary: `rolled back by recovery: the previous files are back and chronyd runs them` };
        }
        if (marker.word === "RECOVERY_FAILED")
          outcome = {
            outcome: "failed",
            summary: `ROLLBACK INCOMPLETE (${decodeArg(a)}): 'cdktf-chrony drift' reports the unfinished run, the next apply finishes it`,
          };
      },
    });
    running.end();
    await running.done;
  } catch (err) {
    if (!isSshError(err)) throw err;
    outcome = {
      outcome: "failed",
      summary: `ROLLBACK INCOMPLETE (recovery failed: ${err.message}): 'cdktf-chrony drift' reports the unfinished run, the next apply finishes it`,
    };
  } finally {
    await session?.close().catch(() => undefined);
  }
  log(`recover: ${outcome.summary}`);
  return outcome;
}
