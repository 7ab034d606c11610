import { execFileSync } from "node:child_process";
import { UserError } from "../errors";

/**
 * Runs a secret source's command (a secret manager's CLI) and returns what it prints. Its stderr is
 * dropped (it may echo the secret); a failure is one line naming the source and what it should print.
 */
export function runSecretCommand(argv: readonly string[], baseDir: string, where: string, prints: string): string {
  try {
    return execFileSync(argv[0], argv.slice(1), { cwd: baseDir, encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "ignore"] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { status?: number | null };
    const why =
      e.code === "ENOENT"
        ? "the program was not found"
        : e.status !== undefined && e.status !== null
          ? `it exited with code ${e.status}`
          : (e.code ?? "it failed");
    throw new UserError(`${where}: ${why}: run the command by hand to check it prints ${prints}`);
  }
}
