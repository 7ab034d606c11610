import type { OptionSpec } from "./arg-checks";
import { Directive, directive } from "./directive";
import type { TokenCheck } from "./tokens";

/**
 * One typed prop and the chrony directive it writes, both ways: how a value becomes lines of
 * chrony.conf, and how a line of an existing chrony.conf becomes the value again (`import`). Each
 * area lists its rows in render order; the model renders every prop through its row, the importer
 * reads every line through the same rows, and the README's props table is generated from them, so
 * the three cannot disagree.
 */
export interface PropRow {
  /** The prop of ChronyConfigProps. */
  readonly prop: string;
  /** The directives it can write, the main one first. */
  readonly directives: readonly string[];
  /** The prop is a list: one line per element. */
  readonly list?: boolean;
  /** A flag: true writes the bare directive; false leaves out the profile's line of it. */
  readonly flag?: boolean;
  /** The lines for a value (for a list prop: for one element). */
  render(value: unknown): Directive[];
  /**
   * The value (for a list prop: one element) that renders exactly `args` for `name`, or undefined
   * when this prop cannot write that line.
   */
  read(args: readonly string[], name: string): unknown;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A number token as chronyd reads it (sscanf %lf), or undefined. */
export function readNumber(token: string | undefined): number | undefined {
  return token !== undefined && DECIMAL.test(token) ? Number(token) : undefined;
}

export function readInteger(token: string | undefined): number | undefined {
  return token !== undefined && INTEGER.test(token) ? Number(token) : undefined;
}

/** `name` with no arguments when true; false omits the profile's line. */
export function flagRow(prop: string, name: string): PropRow {
  return {
    prop,
    directives: [name],
    flag: true,
    render: (value) => (value === true ? [directive(name)] : []),
    read: (args) => (args.length === 0 ? true : undefined),
  };
}

/** `name VALUE` with one number. */
export function numberRow(prop: string, name: string, options: { readonly integer?: boolean } = {}): PropRow {
  return {
    prop,
    directives: [name],
    render: (value) => [directive(name, value as number)],
    read: (args) => (args.length === 1 ? (options.integer ? readInteger(args[0]) : readNumber(args[0])) : undefined),
  };
}

/** `name VALUE` with one word (a path, a name); with `list`, one line per element. */
export function wordRow(prop: string, name: string, options: { readonly list?: boolean } = {}): PropRow {
  return {
    prop,
    directives: [name],
    list: options.list,
    render: (value) => [directive(name, value as string)],
    read: (args) => (args.length === 1 ? args[0] : undefined),
  };
}

/** A prop with its own shape: `render` and `read` as in PropRow. */
export function customRow(
  prop: string,
  directives: readonly string[],
  render: (value: never) => Directive[],
  read: (args: readonly string[], name: string) => unknown,
  options: { readonly list?: boolean } = {},
): PropRow {
  return { prop, directives, list: options.list, render: render as (value: unknown) => Directive[], read };
}

/**
 * `WORD [VALUE]...` options, as local, ratelimit, refclock and hwtimestamp take them, read into an
 * object through a table of (word, prop, kind). Unknown words or bad values give undefined.
 */
export interface OptionField {
  readonly word: string;
  readonly prop: string;
  readonly kind: "flag" | "number" | "integer" | "word";
  /** The value's grammar (absent for a flag). */
  readonly value?: TokenCheck<unknown>;
  /** The release that added the option. @default - as old as the directive */
  readonly since?: string;
}

/** The options as the grammar checks them (directive-grammar builds its checks from these tables). */
export function optionSpecs(fields: readonly OptionField[]): Record<string, OptionSpec> {
  return Object.fromEntries(fields.map((f) => [f.word, { ...(f.value ? { value: f.value } : {}), ...(f.since ? { since: f.since } : {}) }]));
}

export function renderOptions(value: Readonly<Record<string, unknown>>, fields: readonly OptionField[]): Array<string | number> {
  const args: Array<string | number> = [];
  for (const f of fields) {
    const v = value[f.prop];
    if (v === undefined || v === false) continue;
    if (f.kind === "flag") args.push(f.word);
    else args.push(f.word, v as string | number);
  }
  return args;
}

export function readOptions(args: readonly string[], fields: readonly OptionField[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const f = fields.find((x) => x.word === args[i].toLowerCase());
    if (!f || out[f.prop] !== undefined) return undefined;
    if (f.kind === "flag") {
      out[f.prop] = true;
      continue;
    }
    const token = args[++i];
    const value = f.kind === "number" ? readNumber(token) : f.kind === "integer" ? readInteger(token) : token;
    if (value === undefined) return undefined;
    out[f.prop] = value;
  }
  return out;
}
