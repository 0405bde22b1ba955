/**
 * `@hacore/ipvs/client`: the generic-netlink IPVS client as a library, without
 * the daemon plugin (importing it loads no hacore core code but its address module).
 */
export { IpvsClient, openIpvsDataplane, describeServiceKey, type IpvsClientOptions, type ServiceWithDestinations } from './netlink-client.js';
export { IpvsError, IpvsInputError, IpvsProtocolError, IpvsUnavailableError, errnoName, type IpvsOperation } from './errors.js';
export { formatList, formatTimeouts, formatDaemons, compareServices, compareDestinations, type ListedService, type ListView, type FormatOptions } from './ipvsadm-format.js';
export { normalizeAddress } from './nf-inet-addr.js';
export { formatHostPort, ipFamily } from '@hacore/core/ip-address';
export { runList } from './cli-list.js';
export type * from './types.js';
