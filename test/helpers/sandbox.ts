import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { sandboxDown, sandboxUp } from "../../lib/sandbox";
import type { SandboxController, SandboxHost } from "../../lib/sandbox";

export interface StartedSandbox {
  readonly dir: string;
  readonly hosts: readonly SandboxHost[];
  readonly controller: SandboxController;
  /** Stop the sandbox's processes by pid and remove its folder. */
  stop(): Promise<void>;
}

export interface StartSandboxOptions {
  readonly hosts: number;
  /** Use a range no other test file uses, so that files can run side by side. @default 127.0.0.11 */
  readonly firstAddress?: string;
}

/** A fresh sandbox in a temporary folder (short, so chronyc's socket paths fit in 107 bytes). */
export async function startSandbox(options: StartSandboxOptions): Promise<StartedSandbox> {
  const dir = mkdtempSync(path.join(tmpdir(), "ccsb-"));
  // mkdtemp makes the folder 0700; chronyd, once it runs as _chrony, must pass through it.
  chmodSync(dir, 0o755);
  const stop = async () => {
    try {
      await sandboxDown(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    const result = await sandboxUp({ dir, hosts: options.hosts, firstAddress: options.firstAddress });
    return { dir, hosts: result.hosts, controller: result.controller, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
