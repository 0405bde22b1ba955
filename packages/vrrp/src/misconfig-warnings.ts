/** The one-line warnings `hacore status` prints for peers configured unlike us. */
import type { MisconfigEntry } from './misconfig-report.js';

const WHAT: Readonly<Record<MisconfigEntry['reason'], string>> = {
  version: 'VRRP version',
  auth: 'authentication',
  interval: 'advert interval',
  addrList: 'address list',
  destination: 'unicast/multicast',
  sourceScope: 'source address scope (not link-local)',
};

/** `misconfiguration: VI_1: peer 198.51.100.3 differs in address list (missing ...), 42 adverts, last 2026-...`. */
export function misconfigWarnings(instance: string, entries: readonly MisconfigEntry[]): string[] {
  return entries.map(
    (e) => `misconfiguration: ${instance}: peer ${e.peer} differs in ${WHAT[e.reason]} (${e.detail}), ${e.count} advert(s), last ${new Date(e.lastSeen).toISOString()}`,
  );
}
