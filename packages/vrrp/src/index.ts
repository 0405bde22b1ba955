export * from './state-machine-types.js';
export * from './config-schema.js';
export { VrrpPlugin, VrrpPlugin as default } from './plugin.js';
