/**
 * Record data in presentation form, as dig prints it, for the types a check
 * asks for; any other type in RFC 3597's generic form (`\# 4 c0000201`).
 * Called by the decoder with a reader bounded at the end of the record data.
 */
import { formatIpv6 } from '@hacore/core/ip-address';
import type { Reader } from './codec.js';

function characterString(r: Reader): string {
  const len = r.u8('character-string length');
  const b = r.bytes(len, 'character-string');
  let out = '"';
  for (const c of b) {
    if (c === 0x22 || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
    else if (c < 0x20 || c > 0x7e) out += `\\${c.toString().padStart(3, '0')}`;
    else out += String.fromCharCode(c);
  }
  return `${out}"`;
}

export function rdataText(r: Reader, type: number, rdlength: number): string {
  const end = r.off + rdlength;
  let text: string;
  switch (type) {
    case 1: // A
      if (rdlength !== 4) r.fail(`A record data of ${rdlength} octets (4 expected)`);
      text = Array.from(r.bytes(4, 'A')).join('.');
      break;
    case 28: // AAAA
      if (rdlength !== 16) r.fail(`AAAA record data of ${rdlength} octets (16 expected)`);
      text = formatIpv6(r.bytes(16, 'AAAA'));
      break;
    case 2: // NS
    case 5: // CNAME
    case 12: // PTR
      text = r.name();
      break;
    case 15: // MX
      text = `${r.u16('MX preference')} ${r.name()}`;
      break;
    case 6: {
      // SOA
      const mname = r.name();
      const rname = r.name();
      const nums = [r.u32('serial'), r.u32('refresh'), r.u32('retry'), r.u32('expire'), r.u32('minimum')];
      text = `${mname} ${rname} ${nums.join(' ')}`;
      break;
    }
    case 16: {
      // TXT: one or more character-strings
      const parts: string[] = [];
      do parts.push(characterString(r));
      while (r.off < end);
      text = parts.join(' ');
      break;
    }
    case 33: // SRV
      text = `${r.u16('SRV priority')} ${r.u16('SRV weight')} ${r.u16('SRV port')} ${r.name()}`;
      break;
    default:
      text = `\\# ${rdlength}${rdlength ? ' ' : ''}${Buffer.from(r.bytes(rdlength, 'rdata')).toString('hex')}`;
  }
  if (r.off !== end) r.fail(`record data of type ${type} is ${rdlength} octets but its fields take ${r.off - end + rdlength}`);
  return text;
}
