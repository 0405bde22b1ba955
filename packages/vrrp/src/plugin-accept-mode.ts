/**
 * RFC 5798 Accept_Mode False (`accept: false`): the Master holds the VIPs (so it
 * answers ARP and forwards traffic sent to its MAC) but does not accept packets
 * addressed to them, except IPv6 neighbour discovery, without which clients'
 * neighbour entries for the VIP would fail NUD. Done with one nftables table,
 * `inet hacore_vrrp`, replaced atomically by `nft -f -` (no shell) whenever the
 * set of such VIPs changes, and deleted on stop. An address owner (priority
 * 255) always accepts, as the RFC says.
 */
import { spawn } from 'node:child_process';
import type { VrrpInstanceConfig } from './config-schema.js';

export const ACCEPT_TABLE = 'hacore_vrrp';

export class AcceptModeError extends Error {
  readonly code = 'HACORE_VRRP_ERR_NFT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AcceptModeError';
  }
}

/** The VIPs whose packets must be dropped, by family. */
export function noAcceptVips(instances: readonly VrrpInstanceConfig[]): { v4: string[]; v6: string[] } {
  const v4 = new Set<string>();
  const v6 = new Set<string>();
  for (const i of instances) {
    if (i.accept || i.priority >= 255) continue;
    for (const v of [...i.virtualAddresses, ...i.virtualAddressesExcluded]) (v.family === 4 ? v4 : v6).add(v.address);
  }
  return { v4: [...v4].sort(), v6: [...v6].sort() };
}

/** The nft script that replaces the table (or only deletes it when there is nothing to drop). */
export function acceptModeRuleset(vips: { v4: string[]; v6: string[] }): string {
  const lines = [`add table inet ${ACCEPT_TABLE}`, `delete table inet ${ACCEPT_TABLE}`];
  if (vips.v4.length === 0 && vips.v6.length === 0) return `${lines.join('\n')}\n`;
  lines.push(`table inet ${ACCEPT_TABLE} {`);
  lines.push('  chain input {');
  lines.push('    type filter hook input priority filter; policy accept;');
  if (vips.v4.length > 0) lines.push(`    ip daddr { ${vips.v4.join(', ')} } counter drop`);
  if (vips.v6.length > 0) {
    lines.push(`    ip6 daddr { ${vips.v6.join(', ')} } icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept`);
    lines.push(`    ip6 daddr { ${vips.v6.join(', ')} } counter drop`);
  }
  lines.push('  }');
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function runNft(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let err = '';
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn('nft', ['-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'], shell: false });
    } catch (e) {
      reject(new AcceptModeError(`cannot run nft: ${(e as Error).message}`, { cause: e }));
      return;
    }
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new AcceptModeError(`cannot run nft (needed for accept: false): ${e.message}`, { cause: e })));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new AcceptModeError(`nft failed (${code}): ${err.trim()}`))));
    child.stdin?.end(script);
  });
}

/** Keeps the table in step with the instances; does nothing at all while no instance uses accept: false. */
export class AcceptModeFilter {
  private installed = '';

  async apply(instances: readonly VrrpInstanceConfig[]): Promise<void> {
    const vips = noAcceptVips(instances);
    const key = JSON.stringify(vips);
    if (key === this.installed || (this.installed === '' && vips.v4.length === 0 && vips.v6.length === 0)) return;
    await runNft(acceptModeRuleset(vips));
    this.installed = vips.v4.length === 0 && vips.v6.length === 0 ? '' : key;
  }

  async remove(): Promise<void> {
    if (this.installed === '') return;
    await runNft(acceptModeRuleset({ v4: [], v6: [] }));
    this.installed = '';
  }
}
