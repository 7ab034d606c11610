/**
 * An OpenSSH pattern (`*` any run of characters, `?` one character; ssh(1) PATTERNS), as a
 * case-insensitive regular expression for the whole name. known_hosts and ssh_config use the same.
 */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i");
}
