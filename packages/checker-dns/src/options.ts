import { schema as s } from '@hacore/core';
import { QUERY_TYPES, type QueryType } from './codec.js';
import { RCODE_NAMES } from './dns-checker.js';
import { compileAnswer } from './expect.js';
import { parseName } from './names.js';

const domainName = s.transform(
  s.string({ minLength: 1 }),
  (name, ctx, path) => {
    const labels = parseName(name);
    return typeof labels === 'string' ? s.fail(ctx, path, `a domain name (this one has ${labels})`, name) : name;
  },
  'a domain name such as www.example.test or "." for the root',
);

const expectedAnswer = s.transform(
  s.string({ minLength: 1 }),
  (text, ctx, path) => {
    const m = compileAnswer(text);
    return typeof m === 'string' ? s.fail(ctx, path, m, text) : text;
  },
  'an address, a /regular expression/flags, or record data as dig prints it',
);

const queryTypes = Object.keys(QUERY_TYPES) as QueryType[];

/** Options of a `type: dns` check, on top of the common check fields. */
export const dnsCheckOptions = s.object({
  address: s.ip().describe('Address of the DNS server (IPv4 or IPv6).'),
  port: s.optional(s.port(), 53).describe('Port of the DNS server. Default 53.'),
  query: s.optional(domainName, '.').describe('Name to query (keepalived name; `name` is the check\'s own name here). Default "." (the root).'),
  queryType: s.optional(s.enumOf(queryTypes as [QueryType, ...QueryType[]]), 'SOA').describe('Record type to query (keepalived type). Default SOA.'),
  transport: s.optional(s.enumOf(['udp', 'tcp'] as const), 'udp').describe('udp (TCP only when the answer is truncated) or tcp. Default udp.'),
  tcpFallback: s.optional(s.boolean(), true).describe('Ask again over TCP when the UDP answer is truncated (TC). false: a truncated answer fails the probe.'),
  retries: s.optional(s.integer({ min: 0, max: 10 }), 2).describe('UDP queries sent again within one probe while no answer came, each with a new id and source port. Default 2.'),
  retryInterval: s.optional(s.duration({ min: 1 })).describe('Wait before each UDP retry. Default: the check timeout shared out over the tries.'),
  recursion: s.optional(s.boolean(), true).describe('Set RD (recursion desired), for a resolver. Default true.'),
  rcode: s
    .optional(s.array(s.enumOf(RCODE_NAMES as [string, ...string[]]), { minItems: 1, single: true }), ['NOERROR'])
    .describe('Accepted response code(s), e.g. NOERROR or [NOERROR, NXDOMAIN]. Default NOERROR.'),
  minAnswers: s.optional(s.integer({ min: 0, max: 65535 }), 0).describe('Answers of queryType the reply must hold at least. Default 0.'),
  expectAnswer: s.optional(expectedAnswer).describe('An answer of queryType must be this address, match this /regex/flags, or equal this record data as dig prints it.'),
  requireAd: s.optional(s.boolean(), false).describe('Require the AD flag (DNSSEC validated by the resolver); sets AD and the EDNS DO bit in the query.'),
  ednsUdpSize: s.optional(s.integer({ min: 512, max: 65535 })).describe('Add an EDNS0 OPT record advertising this UDP payload size. Default: no EDNS (512 octets), unless requireAd.'),
  sourceAddress: s.optional(s.ip()).describe('Local address to send from (keepalived bindto).'),
});
