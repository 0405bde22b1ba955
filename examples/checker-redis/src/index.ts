import { readFileSync } from 'node:fs';
import { defineCheckType, schema as s, type HacoreCore, type HacorePlugin } from '@hacore/core';
import { RedisChecker } from './redis-checker.js';

export { RedisChecker, resp, type RedisCheckOptions } from './redis-checker.js';

const PLUGIN_NAME = 'hacore-checker-redis';
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; hacore: string };

/** `type: redis`: PING a Redis server and expect +PONG. */
export default class RedisCheckerPlugin implements HacorePlugin {
  readonly name = PLUGIN_NAME;
  readonly version = pkg.version;
  readonly hacore = pkg.hacore;
  readonly roles = ['check'] as const;

  apply(core: HacoreCore): void {
    defineCheckType(
      core,
      PLUGIN_NAME,
      'redis',
      s.object({
        address: s.ip(),
        port: s.optional(s.port(), 6379),
        password: s.optional(s.string({ minLength: 1 })),
      }),
      (spec) => new RedisChecker(spec),
    );
  }
}
