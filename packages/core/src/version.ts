import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; hacorePluginApi: string };

/** The version of @hacore/core. */
export const CORE_VERSION: string = pkg.version;
