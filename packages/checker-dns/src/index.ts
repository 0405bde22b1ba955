import { readFileSync } from 'node:fs';
import { defineCheckType, type HacoreCore, type HacorePlugin } from '@hacore/core';
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
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; hacore: string };

/** keepalived's DNS_CHECK as a hacore plugin: `type: dns`. */
export class DnsCheckerPlugin implements HacorePlugin {
  readonly name = PLUGIN_NAME;
  readonly version = pkg.version;
  readonly hacore = pkg.hacore;
  readonly roles = ['check'] as const;

  apply(core: HacoreCore): void {
    defineCheckType(core, PLUGIN_NAME, 'dns', dnsCheckOptions, (spec) => new DnsChecker(spec as unknown as DnsCheckSpec));
  }
}

export default DnsCheckerPlugin;
