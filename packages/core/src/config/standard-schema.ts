import * as s from './schema.js';

/**
 * The Standard Schema interface (standardschema.dev, v1), written out here so
 * that the core depends on no schema library: zod (3.24+), valibot (1.0+),
 * arktype (2.0+) and others implement it.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> };

export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

export type StandardOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : never;

export function isStandardSchema(v: unknown): v is StandardSchemaV1 {
  const std = (v as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.['~standard'];
  return typeof std === 'object' && std !== null && std.version === 1 && typeof std.validate === 'function';
}

function issuePath(base: string, path: StandardIssue['path']): string {
  let out = base;
  for (const seg of path ?? []) {
    const key = typeof seg === 'object' && seg !== null ? seg.key : seg;
    out = s.joinPath(out, typeof key === 'number' ? key : String(key));
  }
  return out;
}

function valueAt(root: unknown, path: StandardIssue['path']): unknown {
  let v = root;
  for (const seg of path ?? []) {
    const key = typeof seg === 'object' && seg !== null ? seg.key : seg;
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/**
 * Wraps a Standard Schema validator as a core schema, so that its issues are
 * reported as `file:line: path: expected <message>, found <value>` like the
 * core's own. Validation is synchronous (it runs before anything starts, in
 * every process): a validator that answers with a promise is refused.
 */
export function fromStandard<S extends StandardSchemaV1>(std: S, expected?: string): s.Schema<StandardOutput<S>> {
  const vendor = std['~standard'].vendor;
  const schema: s.Schema<StandardOutput<S>> = {
    expected: expected ?? `a value accepted by its ${vendor} schema`,
    parse(value, ctx, path) {
      const r = std['~standard'].validate(value);
      if (r instanceof Promise) {
        r.catch(() => {});
        return s.fail(ctx, path, `a section whose ${vendor} schema validates synchronously (async refinements are not supported)`, value);
      }
      if (r.issues) {
        for (const issue of r.issues) s.fail(ctx, issuePath(path, issue.path), issue.message, valueAt(value, issue.path));
        if (r.issues.length === 0) return s.fail(ctx, path, schema.expected, value);
        return s.INVALID;
      }
      return r.value as StandardOutput<S>;
    },
    describe(doc: string) {
      return { ...schema, doc };
    },
  };
  return schema;
}
