import { UserError } from "../errors";

// Characters that no POSIX shell (nor bash or zsh) treats specially inside a word. A leading `=` or
// `~` is left out: zsh expands `=cmd` and every shell expands a leading `~`.
const SAFE_WORD = /^[A-Za-z0-9_/.,:@%+-][A-Za-z0-9_/.,:@%+=-]*$/;

/**
 * Quote one argument for a POSIX shell so that it reaches the program as exactly this string.
 *
 * Safe words are left bare for readable command lines; anything else is single-quoted, with each
 * embedded `'` written as `'\''`.
 */
export function shellQuote(arg: string): string {
  if (arg.includes("\0")) {
    throw new UserError(`cannot pass an argument containing a NUL byte over SSH (got ${JSON.stringify(arg)}): remove it`);
  }
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Join an argv into one command line for the remote login shell (`sh -c`-compatible). */
export function shellJoin(argv: readonly string[]): string {
  if (argv.length === 0) throw new UserError("cannot run an empty command over SSH: pass at least the program name");
  return argv.map(shellQuote).join(" ");
}
