import { UserError } from "../errors";

/**
 * A configuration chrony would reject, misread, or that is unsafe. The message names the directive,
 * the value received and how to fix it.
 */
export class ConfigError extends UserError {
  constructor(message: string) {
    super(message);
    // Kept as "UserError" so the CLI's brand check treats it as a user mistake.
  }
}
