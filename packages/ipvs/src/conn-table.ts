/**
 * The kernel's IPVS connection table. Generic netlink does not expose it;
 * `/proc/net/ip_vs_conn` does (one line per entry, IPv4 addresses as 8 hex
 * digits, IPv6 in full colon form, ports as 4 hex digits, the expiry in
 * seconds). `formatConnections` prints it as `ipvsadm -Lnc` does.
 */
import { readFile } from 'node:fs/promises';
import { formatHostPort } from '@hacore/core/ip-address';
import { normalizeAddress } from './nf-inet-addr.js';

export const CONN_PROC_FILE = '/proc/net/ip_vs_conn';

export interface ConnEndpoint {
  address: string;
  port: number;
  family: 4 | 6;
}

export interface ConnectionEntry {
  /** As the kernel prints it: TCP, UDP, SCTP, IP (fwmark of another protocol). */
  protocol: string;
  client: ConnEndpoint;
  virtual: ConnEndpoint;
  destination: ConnEndpoint;
  /** ESTABLISHED, SYN_RECV, FIN_WAIT, NONE (UDP), ... */
  state: string;
  /** Seconds until the entry expires. */
  expires: number;
  /** The persistence engine and its data (sip), when the entry has one. */
  peName?: string;
  peData?: string;
}

function endpoint(addr: string, portHex: string): ConnEndpoint {
  const port = parseInt(portHex, 16);
  if (/^[0-9A-Fa-f]{8}$/.test(addr)) {
    const n = parseInt(addr, 16);
    return { address: [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'), port, family: 4 };
  }
  return { address: normalizeAddress(addr), port, family: addr.includes(':') ? 6 : 4 };
}

/** The entries of the proc file's text (its header line skipped). */
export function parseConnections(text: string): ConnectionEntry[] {
  const out: ConnectionEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 9 || f[0] === 'Pro') continue;
    const [protocol, ca, cp, va, vp, da, dp, state, expires, peName, peData] = f as [string, string, string, string, string, string, string, string, string, string?, string?];
    out.push({
      protocol,
      client: endpoint(ca, cp),
      virtual: endpoint(va, vp),
      destination: endpoint(da, dp),
      state,
      expires: Number(expires),
      ...(peName !== undefined ? { peName } : {}),
      ...(peData !== undefined ? { peData } : {}),
    });
  }
  return out;
}

export async function readConnections(file = CONN_PROC_FILE): Promise<ConnectionEntry[]> {
  return parseConnections(await readFile(file, 'utf8'));
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

const ep = (e: ConnEndpoint) => formatHostPort(e.address, e.port);

/** `ipvsadm -Lnc` (with `persistent`: `ipvsadm -Lnc --persistent-conn`), byte for byte. */
export function formatConnections(entries: readonly ConnectionEntry[], opts: { persistent?: boolean } = {}): string {
  let out = 'IPVS connection entries\n';
  out += opts.persistent
    ? `pro expire ${pad('state', 11)} ${pad('source', 18)} ${pad('virtual', 18)} ${pad('destination', 18)} ${pad('pe name', 16)} pe_data\n`
    : `pro expire ${pad('state', 11)} ${pad('source', 18)} ${pad('virtual', 18)} destination\n`;
  for (const c of entries) {
    const expire = `${String(Math.floor(c.expires / 60)).padStart(2, '0')}:${String(c.expires % 60).padStart(2, '0')}`;
    const head = `${pad(c.protocol, 3)} ${pad(expire, 6)} ${pad(c.state, 11)} ${pad(ep(c.client), 18)} ${pad(ep(c.virtual), 18)}`;
    if (opts.persistent && c.peName !== undefined && c.peData !== undefined) out += `${head} ${pad(ep(c.destination), 16)} ${pad(c.peName, 18)} ${c.peData}\n`;
    else out += `${head} ${ep(c.destination)}\n`;
  }
  return out;
}
