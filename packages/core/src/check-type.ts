import type { InferShape, ObjectSchema, Shape } from './config/schema.js';
import type { HacoreCore } from './plugin.js';
import type { CheckSpec, Checker } from './types.js';

/**
 * Declares a check type in one call: registers the schema of its options and
 * taps `checkerFactory.for(type)` with a factory typed by that schema.
 */
export function defineCheckType<S extends Shape>(
  core: HacoreCore,
  pluginName: string,
  type: string,
  options: ObjectSchema<S>,
  create: (spec: CheckSpec<InferShape<S>>) => Checker,
): void {
  core.registerCheckType(type, options);
  core.hooks.checkerFactory.for(type).tap(pluginName, (spec) => create(spec as unknown as CheckSpec<InferShape<S>>));
}
