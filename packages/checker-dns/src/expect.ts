/**
 * What a reply must show for the probe to pass, checked in a fixed order so
 * the reason names the first thing wrong: rcode, the AD bit, the answer count,
 * the expected answer. Pure.
 */
import { isIP } from 'node:net';
import { canonicalIp } from '@hacore/core/ip-address';
import { rcodeName, type DnsMessage } from './codec.js';
import { canonicalName } from './names.js';

export interface Expectations {
  /** Type code asked for: the answers counted and matched are of this type. */
  qtype: number;
  /** Accepted response codes. */
  rcodes: readonly number[];
  requireAd: boolean;
  minAnswers: number;
  /** An address, `/regex/flags`, or the record data as dig prints it. */
  answer?: string;
}

export type AnswerMatcher = (data: string) => boolean;

/** Compiles an expected answer; returns a reason for a bad regular expression. */
export function compileAnswer(expected: string): AnswerMatcher | string {
  const re = /^\/(.*)\/([a-z]*)$/s.exec(expected);
  if (re) {
    try {
      const rx = new RegExp(re[1]!, re[2]);
      return (data) => rx.test(data);
    } catch (err) {
      return `a valid regular expression (${(err as Error).message})`;
    }
  }
  const family = isIP(expected);
  if (family === 6) {
    const want = canonicalIp(expected);
    return (data) => data === want;
  }
  if (family === 4) return (data) => data === expected;
  // Names in the data compare without case; a trailing dot may be left out.
  const want = canonicalName(expected);
  return (data) => data === expected || canonicalName(data) === want;
}

/** Checks a decoded reply; returns undefined when it passes, else the reason it fails. */
export function checkReply(m: DnsMessage, e: Expectations, matcher: AnswerMatcher | undefined): string | undefined {
  if (!e.rcodes.includes(m.rcode)) return `rcode ${rcodeName(m.rcode)}`;
  if (e.requireAd && !m.ad) return 'ad flag not set';
  const answers = m.answers.filter((a) => a.type === e.qtype);
  if (answers.length < e.minAnswers) return `${answers.length} answers (at least ${e.minAnswers} expected)`;
  if (matcher && !answers.some((a) => matcher(a.data))) return 'answer not matched';
  return undefined;
}
