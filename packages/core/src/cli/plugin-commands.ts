import { accessSync, constants, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Subcommands that the project's own plugin packages ship as `hacore-NAME` executables. */
export const PLUGIN_SUBCOMMANDS: Readonly<Record<string, { pkg: string; what: string }>> = {
  ipvs: { pkg: '@hacore/ipvs', what: 'list the kernel IPVS table (ipvsadm -Ln), its sync daemon and connections' },
  import: { pkg: '@hacore/keepalived-conf', what: 'translate a keepalived.conf into hacore.yaml' },
  genhash: { pkg: '@hacore/checker-http', what: 'digest of a URL for an HTTP check (as keepalived genhash)' },
  web: { pkg: '@hacore/web', what: 'web console helpers (hash-password)' },
};

/** Where `hacore-NAME` executables may be: next to this CLI, every node_modules/.bin above this file and the cwd, $PATH. */
function binDirs(): string[] {
  const dirs = [path.dirname(process.argv[1] ?? '')];
  for (const start of [path.dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    // Node's resolution order: the installed tree (a checkout, /usr/lib/hacore of the Debian package) then the cwd's.
    for (let d = start; ; d = path.dirname(d)) {
      dirs.push(path.join(d, 'node_modules', '.bin'));
      if (path.dirname(d) === d) break;
    }
  }
  dirs.push(...(process.env.PATH ?? '').split(path.delimiter));
  return dirs.filter((d, i, all) => d && all.indexOf(d) === i);
}

function executable(f: string): boolean {
  try {
    accessSync(f, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** git-style: `hacore foo ...` runs `hacore-foo` shipped by a plugin package. */
export function findExternal(name: string): string | undefined {
  for (const d of binDirs()) {
    const f = path.join(d, `hacore-${name}`);
    if (executable(f)) return f;
  }
  return undefined;
}

/** Names of the `hacore-NAME` executables installed (plugin subcommands), sorted. */
export function installedSubcommands(): string[] {
  const names = new Set<string>();
  for (const d of binDirs()) {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      continue;
    }
    for (const e of entries) if (e.startsWith('hacore-') && e.length > 7 && executable(path.join(d, e))) names.add(e.slice(7));
  }
  return [...names].sort();
}

/** Names the package that provides an unknown subcommand, when it is one of the project's. */
export function unknownCommandMessage(name: string): string {
  const known = PLUGIN_SUBCOMMANDS[name];
  if (known) return `unknown command "${name}": it comes with ${known.pkg}, which is not installed here (npm install ${known.pkg}); see hacore --help`;
  return `unknown command "${name}" (no hacore-${name} installed: a plugin package provides hacore-NAME commands); see hacore --help`;
}

/** The text after `hacore --help`: installed plugin subcommands, those not installed, and examples. */
export function externalCommandHelp(installed = installedSubcommands()): string {
  const lines = ['', 'Plugin commands (installed):'];
  if (installed.length === 0) lines.push('  (none)');
  for (const n of installed) lines.push(`  ${n.padEnd(22)} ${PLUGIN_SUBCOMMANDS[n]?.what ?? `runs hacore-${n}`}`);
  const missing = Object.entries(PLUGIN_SUBCOMMANDS).filter(([n]) => !installed.includes(n));
  if (missing.length > 0) {
    lines.push('', 'Plugin commands (not installed):');
    for (const [n, p] of missing) lines.push(`  ${n.padEnd(22)} from ${p.pkg}`);
  }
  lines.push(
    '',
    'Examples:',
    '  hacore check-config -c /etc/hacore/hacore.yaml     validate a config and print it normalized',
    '  hacore start                                       run the daemon (config: $HACORE_CONFIG or /etc/hacore/hacore.yaml)',
    '  hacore start --keepalived-config /etc/keepalived/keepalived.conf   run an existing keepalived.conf',
    '  hacore status                                      checks, VRRP instances and IPVS of the running daemon',
    '  hacore reload                                      apply the edited config; prints what changed',
    '  hacore drain web1 / hacore yield VI_1             maintenance: drain a real server, hand over a VIP',
    '  hacore ipvs list                                   the kernel IPVS table (with @hacore/ipvs)',
  );
  return `${lines.join('\n')}\n`;
}
