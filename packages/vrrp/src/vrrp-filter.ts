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
 * IPv6 sockets get the same program over the VRRP message (the kernel runs a
 * raw IPv6 socket's filter past the IPv6 header), for VRRPv3 only.
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
  return program(
    [
      ins(LDX | B | MSH, 0), // X = IP header length
      ins(LD | B | IND, 0), // A = version << 4 | type
    ],
    IND,
    [2, 3],
    vrids,
  );
}

/**
 * The program for a raw IPv6 socket: the kernel hands the filter the VRRP
 * message alone (the IPv6 header is behind the data pointer), and only VRRPv3
 * runs over IPv6 (RFC 5798), so version 2 is sampled too.
 */
export function vrrpFilterIpv6(vrids: readonly number[]): BpfInstruction[] {
  return program([ins(LD | B | ABS, 0)], ABS, [3], vrids);
}

/**
 * `head` leaves version << 4 | type in A (and, for `mode` IND, the offset of the
 * VRRP header in X); then: a version in `versions` and a VRID in `vrids` pass,
 * everything else is sampled.
 */
function program(head: BpfInstruction[], mode: number, versions: readonly number[], vrids: readonly number[]): BpfInstruction[] {
  const ids = [...new Set(vrids)].filter((v) => Number.isInteger(v) && v >= 1 && v <= 255).sort((a, b) => a - b);
  const p: BpfInstruction[] = [...head];
  p.push(ins(ALU | RSH | K, 4));
  versions.forEach((v, i) => p.push(ins(JMP | JEQ | K, v, versions.length - i, 0))); // a listed version -> the VRID check
  const toSample = p.push(ins(JMP | JA, 0)) - 1; // k set below
  p.push(ins(LD | B | mode, 1)); // A = VRID
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

/**
 * What the program lets through, written out in JS (tests compare it with the
 * program run by a BPF interpreter): true if accepted, 'sample' if only a sample
 * would be. IPv4: the whole packet; IPv6: the VRRP message.
 */
export function filterVerdict(vrids: readonly number[], packet: Uint8Array, family: 4 | 6 = 4): true | 'sample' {
  const ihl = family === 4 ? ((packet[0] ?? 0) & 0x0f) * 4 : 0;
  const version = (packet[ihl] ?? 0) >> 4;
  if (family === 6 ? version !== 3 : version !== 2 && version !== 3) return 'sample';
  return vrids.includes(packet[ihl + 1] ?? -1) ? true : 'sample';
}
