/**
 * Loads the keepalived 2.2.7 captures in fixtures/vrrp-vectors (copied from the
 * lab's shared vectors) and the fields tshark decoded from them, so that the
 * expected values come from an independent decoder, not from this codec.
 */
import { readFileSync, readdirSync } from 'node:fs';

export const VECTOR_DIR = new URL('../../test/fixtures/vrrp-vectors/', import.meta.url);

export interface Vector {
  name: string;
  /** From the IP header on. */
  packet: Uint8Array;
  /** The whole Ethernet frame. */
  frame: Uint8Array;
  /** tshark -V text. */
  text: string;
}

export function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.trim(), 'hex'));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

export function loadVector(name: string): Vector {
  const read = (suffix: string): string => readFileSync(new URL(`${name}${suffix}`, VECTOR_DIR), 'utf8');
  return { name, packet: hex(read('.hex')), frame: hex(read('.frame.hex')), text: read('.txt') };
}

/** Every VRRP vector's name (vrrpv2-ipv4, vrrpv3-ipv6-prio0, ...). */
export function vrrpVectorNames(): string[] {
  return readdirSync(VECTOR_DIR)
    .filter((f) => /^vrrpv[23]-.*\.txt$/.test(f))
    .map((f) => f.replace(/\.txt$/, ''))
    .sort();
}

/** All values of a label: `Label: value` lines, or bit-field lines `.... 0110 = Label: value`. */
export function fields(text: string, label: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t.startsWith(`${label}: `)) out.push(t.slice(label.length + 2));
    else if (/^[01. ]+= /.test(t) && t.includes(`= ${label}: `)) out.push(t.slice(t.indexOf(`= ${label}: `) + label.length + 4));
  }
  return out;
}

/** The first value of a label in tshark's text. */
export function field(text: string, label: string): string {
  const v = fields(text, label)[0];
  if (v === undefined) throw new Error(`tshark field "${label}" not found`);
  return v;
}

/** Leading integer (decimal or 0x hex) of a tshark value such as "0x029d [correct]" or "150 (Non-default ...)". */
export function num(value: string): number {
  const m = /^(0x[0-9a-f]+|\d+)/i.exec(value);
  if (!m) throw new Error(`no number in "${value}"`);
  return Number(m[1]);
}

/** The tshark text split into the IP part and the VRRP part. */
export function sections(text: string): { ip: string; vrrp: string } {
  const i = text.indexOf('Virtual Router Redundancy Protocol');
  if (i < 0) throw new Error('no VRRP section');
  return { ip: text.slice(0, i), vrrp: text.slice(i) };
}
