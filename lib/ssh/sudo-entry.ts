import { SshError } from "./errors";
import { shellJoin } from "./shell-quote";

/**
 * The one command a non-root session runs through `sudo -n`: it reads `SECONDS BYTES` and a
 * script of that many bytes from stdin, then runs the script under `timeout -s KILL SECONDS` (0: no
 * limit); the rest of stdin is the command's own. Every privileged command (the apply, recover and
 * survey programs, chronyc, import's reads) takes this path, so a sudoers rule for it is a single
 * exact line without wildcards.
 *
 * That rule is still root-equivalent: whoever may run it chooses the script. A narrower rule would
 * need a program installed on the host that accepts only data and checks it against a local list
 * of paths and commands; cdktf-chrony does not install anything on its hosts (see the README).
 */
export const SUDO_ENTRY = 'read -r t n && s=$(head -c "$n") && exec timeout -s KILL "$t" sh -c "$s"';

/** The shell, by absolute path, so the sudoers rule does not depend on sudo's secure_path. */
const SHELL = "/bin/sh";

/** What the session runs on the host in place of the command itself. */
export function sudoCommandLine(): string {
  return shellJoin(["sudo", "-n", "--", SHELL, "-c", SUDO_ENTRY]);
}

/** The first bytes sent on stdin: the limit, the script's length, and the script that runs `argv`. */
export function sudoEntryHeader(argv: readonly string[], timeoutMs: number | undefined): string {
  const script = `exec ${shellJoin(argv)}`;
  return `${timeoutMs === undefined ? 0 : timeoutMs / 1000} ${Buffer.byteLength(script)}\n${script}`;
}

// sudoers needs these escaped in a command's arguments.
const sudoersEscape = (text: string) => text.replace(/[\\,:=]/g, (c) => `\\${c}`);

/** The sudoers line that lets `user` run cdktf-chrony's entry point as root without a password. */
export function sudoersLine(user: string): string {
  return `${user} ALL=(root) NOPASSWD: ${SHELL} -c ${sudoersEscape(SUDO_ENTRY)}`;
}

/** The whole drop-in for /etc/sudoers.d/cdktf-chrony. */
export function sudoersDropIn(user: string): string {
  return [
    "# cdktf-chrony: apply, drift, verify and import run every privileged command through this one",
    "# entry point (the command comes on stdin). It is root-equivalent: guard the deploy user's key like root's.",
    `Defaults:${user} !requiretty`,
    sudoersLine(user),
    "",
  ].join("\n");
}

/**
 * When sudo itself refused (it prints its reason and exits 1 before running anything), the
 * one-line error to report; undefined for any other outcome, which is the command's own.
 */
export function sudoRefusal(
  code: number | null,
  noStdout: boolean,
  stderr: string,
  ctx: { readonly where: string; readonly user: string },
): SshError | undefined {
  const said = stderr.trim().split("\n")[0]?.trim() ?? "";
  const fix = `add this line with 'visudo -f /etc/sudoers.d/cdktf-chrony': ${sudoersLine(ctx.user)}`;
  if (code === 127 && /sudo: (command )?not found|sudo: No such file/i.test(stderr)) {
    return new SshError("SUDO_REFUSED", `sudo is not installed on ${ctx.where} (${said}); nothing was run: install it, then ${fix}`);
  }
  if (code !== 1 || !noStdout || !/^sudo:|sudoers|not allowed to execute/im.test(stderr)) return undefined;
  const tty = /must have a tty|requiretty/i.test(stderr) ? ` and 'Defaults:${ctx.user} !requiretty'` : "";
  return new SshError(
    "SUDO_REFUSED",
    `sudo on ${ctx.where} refused to run cdktf-chrony's command as root for ${ctx.user} (${said}); nothing was run: ${fix}${tty}`,
  );
}
