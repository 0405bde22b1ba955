import { definePlugin, defineCheckType } from '@hacore/core';
import { DnsChecker, type DnsCheckSpec } from './dns-checker.js';
import { dnsCheckOptions } from './options.js';

export { DnsChecker, RCODE_NAMES, type DnsCheckOptions, type DnsCheckSpec, type DnsCheckerStats } from './dns-checker.js';
export { dnsCheckOptions } from './options.js';
export {
  decodeMessage, decodeHeader, encodeQuery, readName, rcodeName, typeName, QUERY_TYPES, RCODES, TYPE_OPT,
  type DnsMessage, type DnsHeader, type DecodeResult, type Question, type ResourceRecord, type QuerySpec, type QueryType,
} from './codec.js';
export { parseName, nameText, sameName, canonicalName } from './names.js';
export { checkReply, compileAnswer, type Expectations } from './expect.js';

export const PLUGIN_NAME = '@hacore/checker-dns';

/** keepalived's DNS_CHECK as a hacore plugin: `type: dns`. */
export const DnsCheckerPlugin = definePlugin({
  packageUrl: import.meta.url,
  roles: ['check'],
  apply(core) {
    defineCheckType(core, PLUGIN_NAME, 'dns', dnsCheckOptions, (spec) => new DnsChecker(spec as unknown as DnsCheckSpec));
  },
});

export default DnsCheckerPlugin;
