import { readFileSync } from 'node:fs';
import type { HacoreCore, HacorePlugin } from '@hacore/core';
import { vrrpSectionSchema } from './config-schema.js';

export const PLUGIN_NAME = '@hacore/vrrp';
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; hacore: string };

/** VRRPv2/v3 (keepalived vrrp_instance) as a hacore plugin; runs in the `vrrp` child. */
export class VrrpPlugin implements HacorePlugin {
  readonly name = PLUGIN_NAME;
  readonly version = pkg.version;
  readonly hacore = pkg.hacore;
  readonly roles = ['vrrp'] as const;

  apply(core: HacoreCore): void {
    core.registerSection('vrrp', vrrpSectionSchema, { roles: ['vrrp'] });
  }
}
