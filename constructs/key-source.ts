import { KeySourceSpec } from "../lib/keys/key-source";
import { ConfigError } from "../lib/model/config-error";
import { hasControlCharacters } from "../lib/model/directive";

/**
 * Where an NtpKey's material comes from. Paths stay as written: relative ones resolve against the
 * project folder (where cdktf.json is) and `~/` against the home folder, when synth or a deploy
 * reads them, so synth and deploy may run in different checkouts.
 */
export class KeySource {
  /** An environment variable holding `HEX:...` (as `cdktf-chrony keygen` prints after the type). */
  public static env(variable: string): KeySourceSpec {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
      throw new ConfigError(`invalid environment variable name '${variable}': use letters, digits and underscores`);
    }
    return { kind: "env", variable };
  }

  /** A file holding the material; keep it out of git. */
  public static file(filePath: string): KeySourceSpec {
    return { kind: "file", path: checkedPath(filePath, "KeySource.file") };
  }

  /**
   * A local key store: the key is generated on first use at synth (as `chronyc keygen` would) into
   * `dir/key-<ID>.line`, mode 0600. Keep the folder out of git; deploys must find the same files.
   * @param dir @default ".chrony-keys" in the project folder
   */
  public static keyStore(dir = ".chrony-keys"): KeySourceSpec {
    return { kind: "keyStore", dir: checkedPath(dir, "KeySource.keyStore") };
  }

  /** A command that prints the material, e.g. `["vault", "kv", "get", "-field=key", "secret/ntp/10"]`. */
  public static command(argv: readonly string[]): KeySourceSpec {
    if (argv.length === 0 || argv[0] === "") throw new ConfigError('KeySource.command needs a program to run, e.g. ["pass", "ntp/key-10"]');
    return { kind: "command", argv: [...argv] };
  }
}

function checkedPath(file: string, where: string): string {
  if (typeof file !== "string" || file === "" || hasControlCharacters(file)) {
    throw new ConfigError(`${where}: invalid path ${JSON.stringify(file)}: give a file path without control characters`);
  }
  return file;
}
