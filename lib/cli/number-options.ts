import { UserError } from "../errors";

// Decimal digits only: Number() would also take "", " 8", "0x10" and "1e3".
const WHOLE = /^\d+$/;
const DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

/** A count option such as `--concurrency` or `--hosts`: a whole number from 1 (to `max`); undefined when absent. */
export function countOption(name: string, text: string | undefined, max?: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!WHOLE.test(text) || value < 1 || (max !== undefined && value > max)) {
    throw invalid(name, text, max === undefined ? "a whole number ≥ 1" : `a whole number from 1 to ${max}`);
  }
  return value;
}

/** A duration option such as `--timeout`: a positive number of `unit` (up to `max`); undefined when absent. */
export function durationOption(name: string, text: string | undefined, unit: "seconds" | "milliseconds", max?: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!DECIMAL.test(text) || value <= 0 || (max !== undefined && value > max)) {
    throw invalid(name, text, `a positive number of ${unit}${max === undefined ? "" : ` up to ${max}`}`);
  }
  return value;
}

function invalid(name: string, text: string, what: string): UserError {
  return new UserError(`invalid --${name} '${text}': use ${what}`);
}
