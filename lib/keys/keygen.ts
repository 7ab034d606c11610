import { randomBytes } from "node:crypto";
import { UserError } from "../errors";
import { DEFAULT_KEYGEN_TYPE, KEY_TYPES } from "./key-type";

export interface KeygenRequest {
  /** @default 1 */
  readonly id?: number;
  /** @default "SHA1" */
  readonly type?: string;
  /** Ignored for AES types, whose length is fixed. @default 160 */
  readonly bits?: number;
}

export interface GeneratedKey {
  readonly id: number;
  readonly type: string;
  readonly material: Buffer;
  /** The line `chronyc keygen` prints: `ID TYPE HEX:UPPERCASE`. */
  readonly line: string;
}

/**
 * Generates a key exactly as `chronyc keygen` does: ceil(bits/8) random bytes for a hash, the
 * cipher's size for AES, clamped to 10..512 bytes.
 */
export function generateKey(request: KeygenRequest = {}): GeneratedKey {
  const id = request.id ?? 1;
  const type = request.type ?? DEFAULT_KEYGEN_TYPE;
  const bits = request.bits ?? 160;
  const info = KEY_TYPES.get(type);
  if (!info) {
    throw new UserError(
      `unknown hash function or cipher '${type}': use one of ${[...KEY_TYPES.keys()].join(", ")} (names are upper case, as in chrony.keys)`,
    );
  }
  const wanted = info.cipherBytes ?? Math.ceil(bits / 8);
  const length = Math.min(512, Math.max(10, wanted));
  const material = randomBytes(length);
  return { id, type, material, line: `${id} ${type} HEX:${material.toString("hex").toUpperCase()}` };
}

/** Parses keygen's positional arguments the way chronyc does (unsigned decimals). */
export function parseKeygenArgs(args: readonly string[]): KeygenRequest {
  if (args.length > 3) throw new UserError(`keygen takes at most 3 arguments (ID TYPE BITS), got ${args.length}`);
  const unsigned = (text: string, what: string): number => {
    if (!/^\d+$/.test(text) || Number(text) > 2 ** 32 - 1) {
      throw new UserError(`invalid ${what} '${text}': use a whole number from 1 to 4294967295`);
    }
    return Number(text);
  };
  return {
    id: args[0] !== undefined ? unsigned(args[0], "key ID") : undefined,
    type: args[1],
    bits: args[2] !== undefined ? unsigned(args[2], "number of bits") : undefined,
  };
}
