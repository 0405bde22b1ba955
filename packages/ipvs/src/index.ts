export * from './types.js';
export * from './errors.js';
export { IpvsClient, openIpvsDataplane, describeServiceKey, type IpvsClientOptions, type ServiceWithDestinations } from './netlink-client.js';
export { planReconcile, describeOp, opKey, type DesiredService, type CurrentService, type ReconcileOp, type ReconcileOpName, type ReconcilePlan } from './reconcile.js';
export { reconcile, applyOps, readTable, readBack, errnoOf, type ApplyReport, type OpFailure, type ReconcileOptions, type ReconcileResult } from './reconcile-apply.js';
export { serviceKeyId, serviceKeyLabel, hostPort, destinationId, canonicalAddress } from './reconcile-keys.js';
export { MemoryDataplane, MemoryDataplaneError, KNOWN_SCHEDULERS } from './reconcile-memory-dataplane.js';
export { QuorumTracker } from './quorum.js';
export { VirtualServer, type CheckView, type CheckLookup, type Evaluation, type RealServerView, type RealServerChange } from './virtual-server.js';
export { compileVirtualServers, type VirtualServerSpec, type RealServerSpec } from './virtual-server-spec.js';
export {
  virtualServersSchema,
  ipvsSchemas,
  type GroupsSeen,
  virtualServerGroupsSchema,
  ipvsOptionsSchema,
  virtualServerShape,
  inlineCheckName,
  type VirtualServerConfig,
  type RealServerConfig,
  type GroupMemberConfig,
  type IpvsOptionsConfig,
} from './config-schema.js';
export { IPVS_EVENTS, type VirtualServerInfo } from './events.js';
export { IpvsPlugin, PLUGIN_NAME, type IpvsHooks, openNetlinkDataplane, type IpvsPluginOptions, type IpvsStatus, type DataplaneSource } from './plugin.js';
import { IpvsPlugin } from './plugin.js';
export default IpvsPlugin;
