import { schema as s, unknownNameIssue, type ConfigIssue, type HacoreConfig } from '@hacore/core';
import { formatHostPort, normalizeIp } from '@hacore/core/ip-address';
import type { NotifyConfig } from './config.js';

/** The parts of other plugins' sections whose names notify: keys by (read by shape: this package depends on none of them). */
interface NamedSections {
  vrrp?: { instances?: { name: string }[]; syncGroups?: { name: string }[] };
  virtualServers?: { name: string; realServers?: { address: string; port?: number }[] }[];
}

/** A real server as the IPVS plugin names it in its events: canonical `address:port`. */
function realServerName(rs: { address: string; port?: number }): string {
  return formatHostPort(normalizeIp(rs.address) ?? rs.address, rs.port ?? 0);
}

/**
 * Every key of `notify.instances`, `.groups`, `.virtualServers` (and their
 * `realServers`) and `.checks` must name something the config defines, or be
 * "*": a misspelt name would otherwise never run its script, silently. The
 * VRRP and IPVS tables are checked when the config has that section (without
 * it, such events can only come from another plugin that emits those kinds).
 */
export function notifyReferenceIssues(notify: NotifyConfig, config: HacoreConfig): ConfigIssue[] {
  const other = config as HacoreConfig & NamedSections;
  const issues: ConfigIssue[] = [];
  const check = (table: Record<string, unknown>, path: string, known: string[], expected: string): void => {
    for (const key of Object.keys(table)) {
      const issue = unknownNameIssue(s.joinPath(path, key), key, known, expected, '*');
      if (issue) issues.push(issue);
    }
  };
  check(notify.checks, 'notify.checks', config.checks.map((c) => c.name), 'the name of a check under checks:');
  if (other.vrrp) {
    check(notify.instances, 'notify.instances', (other.vrrp.instances ?? []).map((i) => i.name), 'the name of an instance under vrrp.instances');
    check(notify.groups, 'notify.groups', (other.vrrp.syncGroups ?? []).map((g) => g.name), 'the name of a sync group under vrrp.syncGroups');
  }
  const servers = other.virtualServers;
  if (!servers) return issues;
  check(notify.virtualServers, 'notify.virtualServers', servers.map((v) => v.name), 'the name of a virtual server under virtualServers');
  for (const [vsName, scripts] of Object.entries(notify.virtualServers)) {
    if (!scripts.realServers) continue;
    const of = vsName === '*' ? servers : servers.filter((v) => v.name === vsName);
    const known = [...new Set(of.flatMap((v) => (v.realServers ?? []).map(realServerName)))];
    check(scripts.realServers, `${s.joinPath('notify.virtualServers', vsName)}.realServers`, known, `a real server of ${vsName === '*' ? 'a virtual server' : `virtual server ${vsName}`} as address:port`);
  }
  return issues;
}
