import { isIP } from 'node:net';
import { parseDuration } from '../duration.js';
import type { ConfigIssue } from '../errors.js';

/**
 * A tiny schema language. Each plugin describes its config section with it; the
 * core composes the sections, validates a whole file before anything starts, and
 * derives both the normalized config and the configuration reference from it.
 */
export const INVALID: unique symbol = Symbol('invalid');
export type Invalid = typeof INVALID;

export interface ParseContext {
  issues: ConfigIssue[];
}

export interface Schema<T> {
  /** Human description of what is expected, used in errors and docs. */
  readonly expected: string;
  readonly doc?: string;
  /** Present when the field may be omitted; the value used then. */
  readonly optional?: { default: T | undefined };
  parse(value: unknown, ctx: ParseContext, path: string): T | Invalid;
  /** A copy carrying documentation. */
  describe(doc: string): Schema<T>;
  /** The fields of an object schema (kept through `optional`), for generated docs. */
  readonly shape?: Shape;
  /** The item schema of a list or map, for generated docs. */
  readonly item?: Schema<unknown>;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

function make<T>(expected: string, parse: Schema<T>['parse'], extra: Partial<Schema<T>> = {}): Schema<T> {
  const schema: Schema<T> = {
    expected,
    parse,
    ...extra,
    describe(doc: string) {
      return make(expected, parse, { ...extra, doc });
    },
  };
  return schema;
}

export function renderFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)} (string)`;
  return `${String(value)} (${typeof value})`;
}

export function fail(ctx: ParseContext, path: string, expected: string, value: unknown, hint?: string): Invalid {
  const issue: ConfigIssue = { path, expected, found: renderFound(value) };
  if (hint !== undefined) issue.hint = hint;
  ctx.issues.push(issue);
  return INVALID;
}

/** A number or boolean where a string must be: YAML read an unquoted value as one (a password of digits, a version 2.10 read as 2.1). */
export function unquotedScalar(ctx: ParseContext, path: string, expected: string, value: number | boolean): Invalid {
  ctx.issues.push({ path, expected, found: renderFound(value), hint: `a ${typeof value}, not a string; in YAML, quote it: "${String(value)}"`, unquoted: true });
  return INVALID;
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  // A key that would not read back as one part (`198.51.100.1:80/tcp`, `a.b`) is quoted.
  if (!/^[^.[\]"]+$/.test(key)) return `${base}[${JSON.stringify(key)}]`;
  return base ? `${base}.${key}` : key;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** The closest candidate within a small edit distance, for "did you mean". */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

export function string(opts: { pattern?: RegExp; patternText?: string; minLength?: number } = {}): Schema<string> {
  const expected = opts.patternText ?? (opts.minLength ? 'a non-empty string' : 'a string');
  return make(expected, (v, ctx, path) => {
    if (typeof v === 'number' || typeof v === 'boolean') return unquotedScalar(ctx, path, expected, v);
    if (typeof v !== 'string') return fail(ctx, path, expected, v);
    if (opts.minLength !== undefined && v.length < opts.minLength) return fail(ctx, path, expected, v);
    if (opts.pattern && !opts.pattern.test(v)) return fail(ctx, path, expected, v);
    return v;
  });
}

export function number(opts: { min?: number; max?: number; integer?: boolean } = {}): Schema<number> {
  const kind = opts.integer ? 'an integer' : 'a number';
  const range =
    opts.min !== undefined && opts.max !== undefined
      ? ` from ${opts.min} to ${opts.max}`
      : opts.min !== undefined
        ? ` >= ${opts.min}`
        : opts.max !== undefined
          ? ` <= ${opts.max}`
          : '';
  const expected = kind + range;
  return make(expected, (v, ctx, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(ctx, path, expected, v);
    if (opts.integer && !Number.isInteger(v)) return fail(ctx, path, expected, v);
    if (opts.min !== undefined && v < opts.min) return fail(ctx, path, expected, v);
    if (opts.max !== undefined && v > opts.max) return fail(ctx, path, expected, v);
    return v;
  });
}

export function integer(opts: { min?: number; max?: number } = {}): Schema<number> {
  return number({ ...opts, integer: true });
}

export function port(): Schema<number> {
  return integer({ min: 1, max: 65535 });
}

export function boolean(): Schema<boolean> {
  return make('true or false', (v, ctx, path) => (typeof v === 'boolean' ? v : fail(ctx, path, 'true or false', v)));
}

/** A duration in milliseconds, written `150ms`, `2s`, `1m` or a bare number of seconds. */
export function duration(opts: { min?: number; max?: number } = {}): Schema<number> {
  const bounds =
    (opts.min !== undefined ? ` of at least ${opts.min}ms` : '') + (opts.max !== undefined ? ` and at most ${opts.max}ms` : '');
  const expected = `a duration such as 150ms, 2s or 1m${bounds}`;
  return make(expected, (v, ctx, path) => {
    const ms = parseDuration(v);
    if (ms === undefined) return fail(ctx, path, expected, v);
    if (opts.min !== undefined && ms < opts.min) return fail(ctx, path, expected, v);
    if (opts.max !== undefined && ms > opts.max) return fail(ctx, path, expected, v);
    return ms;
  });
}

/** An IP address (no prefix); `family` restricts it to 4 or 6. */
export function ip(opts: { family?: 4 | 6 } = {}): Schema<string> {
  const expected = opts.family ? `an IPv${opts.family} address` : 'an IPv4 or IPv6 address';
  return make(expected, (v, ctx, path) => {
    if (typeof v !== 'string') return fail(ctx, path, expected, v);
    const fam = isIP(v);
    if (fam === 0 || (opts.family && fam !== opts.family)) return fail(ctx, path, expected, v);
    return v;
  });
}

/** An address with a prefix length, `198.51.100.10/24` or `2001:db8::1/64`. */
export function cidr(): Schema<{ address: string; prefix: number; family: 4 | 6 }> {
  const expected = 'an address with a prefix length such as 198.51.100.10/24 or 2001:db8::10/64';
  return make(expected, (v, ctx, path) => {
    if (typeof v !== 'string') return fail(ctx, path, expected, v);
    const [addr = '', pfx] = v.split('/');
    const fam = isIP(addr);
    if (fam === 0) return fail(ctx, path, expected, v);
    const max = fam === 4 ? 32 : 128;
    const prefix = pfx === undefined ? max : Number(pfx);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return fail(ctx, path, expected, v);
    return { address: addr, prefix, family: fam as 4 | 6 };
  });
}

export function enumOf<const T extends readonly string[]>(values: T): Schema<T[number]> {
  const expected = `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
  return make(expected, (v, ctx, path) => {
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T[number];
    const hint = typeof v === 'string' ? closest(v, values) : undefined;
    return fail(ctx, path, expected, v, hint ? `did you mean "${hint}"?` : undefined);
  });
}

export function literal<const T extends string | number | boolean>(value: T): Schema<T> {
  const expected = JSON.stringify(value);
  return make(expected, (v, ctx, path) => (v === value ? value : fail(ctx, path, expected, v)));
}

export function array<T>(item: Schema<T>, opts: { minItems?: number; maxItems?: number; single?: boolean } = {}): Schema<T[]> {
  const expected = `a list of ${item.expected}${opts.minItems ? ` (at least ${opts.minItems})` : ''}`;
  return make<T[]>(expected, (v, ctx, path) => {
    // `single` lets a user write one item where a list is expected.
    const list = Array.isArray(v) ? v : opts.single && v !== undefined && v !== null ? [v] : undefined;
    if (!list) return fail(ctx, path, expected, v);
    if (opts.minItems !== undefined && list.length < opts.minItems) return fail(ctx, path, expected, v);
    if (opts.maxItems !== undefined && list.length > opts.maxItems) return fail(ctx, path, `at most ${opts.maxItems} items`, v);
    const out: T[] = [];
    let ok = true;
    list.forEach((x, i) => {
      const r = item.parse(x, ctx, joinPath(path, i));
      if (r === INVALID) ok = false;
      else out.push(r);
    });
    return ok ? out : INVALID;
  }, { item: item as Schema<unknown> });
}

export function record<T>(value: Schema<T>, opts: { keyPattern?: RegExp } = {}): Schema<Record<string, T>> {
  const expected = `a map of name to ${value.expected}`;
  return make(expected, (v, ctx, path) => {
    if (!isPlainObject(v)) return fail(ctx, path, expected, v);
    const out: Record<string, T> = {};
    let ok = true;
    for (const [k, x] of Object.entries(v)) {
      if (opts.keyPattern && !opts.keyPattern.test(k)) {
        fail(ctx, joinPath(path, k), `a key matching ${opts.keyPattern}`, k);
        ok = false;
        continue;
      }
      const r = value.parse(x, ctx, joinPath(path, k));
      if (r === INVALID) ok = false;
      else out[k] = r;
    }
    return ok ? out : INVALID;
  }, { item: value as Schema<unknown> });
}

/** The first alternative that parses without issues wins. */
export function union<A, B>(a: Schema<A>, b: Schema<B>): Schema<A | B> {
  const expected = `${a.expected} or ${b.expected}`;
  return make(expected, (v, ctx, path) => {
    const trial: ParseContext = { issues: [] };
    const ra = a.parse(v, trial, path);
    if (ra !== INVALID) return ra;
    const trialB: ParseContext = { issues: [] };
    const rb = b.parse(v, trialB, path);
    if (rb !== INVALID) return rb;
    // Report the deeper explanation when one side got past the top level.
    const deeper = [trial.issues, trialB.issues].find((is) => is.some((i) => i.path !== path));
    if (deeper) {
      ctx.issues.push(...deeper);
      return INVALID;
    }
    return fail(ctx, path, expected, v);
  });
}

export function optional<T>(schema: Schema<T>): Schema<T | undefined>;
export function optional<T>(schema: Schema<T>, dflt: T): Schema<T>;
export function optional<T>(schema: Schema<T>, dflt?: T): Schema<T | undefined> {
  return make<T | undefined>(
    schema.expected,
    (v, ctx, path) => (v === undefined || v === null ? dflt : schema.parse(v, ctx, path)),
    {
      optional: { default: dflt },
      ...(schema.doc !== undefined ? { doc: schema.doc } : {}),
      ...(schema.shape !== undefined ? { shape: schema.shape } : {}),
      ...(schema.item !== undefined ? { item: schema.item } : {}),
    },
  );
}

export function transform<T, U>(schema: Schema<T>, fn: (value: T, ctx: ParseContext, path: string) => U | Invalid, expected?: string): Schema<U> {
  return make(expected ?? schema.expected, (v, ctx, path) => {
    const r = schema.parse(v, ctx, path);
    return r === INVALID ? INVALID : fn(r, ctx, path);
  });
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: undefined extends Infer<S[K]> ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type InferShape<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> };

export interface ObjectSchema<S extends Shape> extends Schema<InferShape<S>> {
  readonly shape: S;
  /** A new object schema with more fields, as checker plugins extend the common check fields. */
  extend<E extends Shape>(more: E): ObjectSchema<S & E>;
}

/**
 * An object with known keys. Unknown keys are errors, with a "did you mean"
 * when a known key is close.
 */
export function object<S extends Shape>(shape: S, opts: { expected?: string; doc?: string } = {}): ObjectSchema<S> {
  const expected = opts.expected ?? 'an object';
  const parse = (v: unknown, ctx: ParseContext, path: string): InferShape<S> | Invalid => {
    if (!isPlainObject(v)) return fail(ctx, path, expected, v);
    let ok = true;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      if (!(key in shape)) {
        const hint = closest(key, Object.keys(shape));
        const issue: ConfigIssue = { path: joinPath(path, key), expected: `a known key (${Object.keys(shape).join(', ')})`, found: `unknown key "${key}"` };
        if (hint) issue.hint = `did you mean "${hint}"?`;
        ctx.issues.push(issue);
        ok = false;
      }
    }
    for (const [key, field] of Object.entries(shape)) {
      const raw = v[key];
      if (raw === undefined && !field.optional) {
        fail(ctx, joinPath(path, key), `${field.expected} (required)`, raw);
        ok = false;
        continue;
      }
      const r = field.parse(raw, ctx, joinPath(path, key));
      if (r === INVALID) ok = false;
      else if (r !== undefined) out[key] = r;
    }
    return ok ? (out as InferShape<S>) : INVALID;
  };
  const base = make<InferShape<S>>(expected, parse, { shape, ...(opts.doc !== undefined ? { doc: opts.doc } : {}) });
  return {
    ...base,
    shape,
    extend<E extends Shape>(more: E) {
      return object({ ...shape, ...more } as S & E, opts);
    },
  };
}

/** Validates `value` fully; returns the normalized value and every issue found. */
export function validate<T>(schema: Schema<T>, value: unknown, path = ''): { value: T | undefined; issues: ConfigIssue[] } {
  const ctx: ParseContext = { issues: [] };
  const r = schema.parse(value, ctx, path);
  return { value: r === INVALID ? undefined : r, issues: ctx.issues };
}
