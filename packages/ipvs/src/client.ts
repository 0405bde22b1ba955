/**
 * `@hacore/ipvs/client`: the generic-netlink IPVS client as a library, without
 * the daemon plugin (importing it loads no hacore core code).
 */
export { IpvsClient, openIpvsDataplane, describeServiceKey, type IpvsClientOptions, type ServiceWithDestinations } from './netlink-client.js';
export { IpvsError, IpvsInputError, IpvsProtocolError, IpvsUnavailableError, errnoName, type IpvsOperation } from './errors.js';
export { formatList, formatTimeouts, formatDaemons, compareServices, compareDestinations, type ListedService, type ListView, type FormatOptions } from './ipvsadm-format.js';
export { normalizeAddress, formatEndpoint, addressFamily } from './ip-address.js';
export { runList } from './cli-list.js';
export type * from './types.js';
