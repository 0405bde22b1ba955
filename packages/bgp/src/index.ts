export { BgpPlugin, BgpPlugin as default, PLUGIN_NAME, crossCheck } from './plugin.js';
export { BGP_EVENTS } from './events.js';
export { bgpSectionSchema, conditionSchema, covers, parsePrefix, vipOf, type BgpSectionConfig, type BgpPrefixConfig, type BgpNeighborConfig } from './config-schema.js';
export { evaluate, references, emptyWorld, type Condition, type WorldState } from './condition.js';
export { PrefixGate, type GateTiming, type GateDecision } from './prefix-gate.js';
export { VtyClient, VtyError } from './vty-client.js';
export { renderBgpdConfig, networkCommands, routeMapName, type PrefixFlavour } from './bgpd-config.js';
export { BgpdProcess } from './bgpd-process.js';
