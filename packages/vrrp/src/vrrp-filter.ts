/**
 * The classic BPF program on an IPv4 VRRP socket (SO_ATTACH_FILTER through
 * @hacore/native): the kernel drops what no instance on the socket can accept,
 * before the process wakes: a VRRP version other than 2 or 3, or a VRID no
 * instance on the socket runs. One in FILTER_SAMPLE of those still passes
 * (the kernel's SKF_AD_RANDOM), so the transport's `unknownVrid` drop keeps
 * counting them and `filteredEstimate` says how many the kernel dropped
 * (sampled x (FILTER_SAMPLE - 1)): an estimate, not an exact count.
 *
 * Adverts for a VRID that runs here always pass, whatever else is wrong with
 * them (TTL, version of the instance, authentication...): validate.ts counts
 * each by reason exactly and logs a misconfigured peer, which a sample could not.
 * IPv6 sockets get no filter yet (docs/vrrp-protocol.md).
 */
import type { BpfInstruction } from '@hacore/native';

/** One dropped packet in FILTER_SAMPLE reaches the process, to be counted. */
export const FILTER_SAMPLE = 64;

const LD = 0x00, LDX = 0x01, ALU = 0x04, JMP = 0x05, RET = 0x06;
const W = 0x00, B = 0x10;
const ABS = 0x20, IND = 0x40, MSH = 0xa0;
const JA = 0x00, JEQ = 0x10, AND = 0x50, RSH = 0x70;
const K = 0x00;
const SKF_AD_RANDOM = (-0x1000 + 56) >>> 0;
const ACCEPT_ALL = 0x40000;

const ins = (code: number, k = 0, jt = 0, jf = 0): BpfInstruction => ({ code, jt, jf, k: k >>> 0 });

/**
 * The program for a raw IPv4 socket (the filter sees the IP header) whose
 * instances run `vrids` (1..255, at most 255 of them).
 */
export function vrrpFilterIpv4(vrids: readonly number[]): BpfInstruction[] {
  const ids = [...new Set(vrids)].filter((v) => Number.isInteger(v) && v >= 1 && v <= 255).sort((a, b) => a - b);
  const p: BpfInstruction[] = [];
  p.push(ins(LDX | B | MSH, 0)); // X = IP header length
  p.push(ins(LD | B | IND, 0)); // A = version << 4 | type
  p.push(ins(ALU | RSH | K, 4));
  p.push(ins(JMP | JEQ | K, 2, 2, 0)); // v2 -> the VRID check
  p.push(ins(JMP | JEQ | K, 3, 1, 0)); // v3 -> the VRID check
  const toSample = p.push(ins(JMP | JA, 0)) - 1; // k set below
  p.push(ins(LD | B | IND, 1)); // A = VRID
  ids.forEach((vrid, i) => {
    const last = i === ids.length - 1;
    p.push(ins(JMP | JEQ | K, vrid, ids.length - 1 - i, last ? 1 : 0));
  });
  if (ids.length === 0) p.push(ins(JMP | JA, 1)); // nothing runs: every packet is sampled
  p.push(ins(RET | K, ACCEPT_ALL));
  const sample = p.length;
  p[toSample] = ins(JMP | JA, sample - toSample - 1);
  p.push(ins(LD | W | ABS, SKF_AD_RANDOM));
  p.push(ins(ALU | AND | K, FILTER_SAMPLE - 1));
  p.push(ins(JMP | JEQ | K, 0, 0, 1));
  p.push(ins(RET | K, ACCEPT_ALL));
  p.push(ins(RET | K, 0));
  return p;
}

/** What the program lets through, run in JS (tests): true if accepted, 'sample' if only a sample would be. */
export function filterVerdict(vrids: readonly number[], packet: Uint8Array): true | 'sample' {
  const ihl = ((packet[0] ?? 0) & 0x0f) * 4;
  const version = (packet[ihl] ?? 0) >> 4;
  if (version !== 2 && version !== 3) return 'sample';
  return vrids.includes(packet[ihl + 1] ?? -1) ? true : 'sample';
}
