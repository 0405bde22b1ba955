/**
 * Domain names between their text form (what a config says and what the
 * checker reports) and their wire labels. Pure; the decoder never throws.
 */

/** The longest name on the wire, length octets and the root label included (RFC 1035 3.1). */
export const MAX_NAME_WIRE = 255;
export const MAX_LABEL = 63;

/**
 * Parses a name in presentation form ("www.example.test", "example.test.",
 * "." for the root, `\.` and `\DDD` escapes) into its labels.
 * Returns a reason string when the name cannot be a domain name.
 */
export function parseName(text: string): Uint8Array[] | string {
  if (text === '.' || text === '') return text === '.' ? [] : 'an empty name (use "." for the root)';
  const labels: Uint8Array[] = [];
  let cur: number[] = [];
  let wire = 1;
  const end = endsWithDot(text) ? text.length - 1 : text.length;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      if (cur.length === 0) return `an empty label at offset ${i}`;
      labels.push(Uint8Array.from(cur));
      wire += cur.length + 1;
      cur = [];
      continue;
    }
    if (c === 0x5c) {
      const d = /^[0-9]{3}/.exec(text.slice(i + 1, i + 4));
      if (d) {
        const v = Number(d[0]);
        if (v > 255) return `an escape \\${d[0]} above 255`;
        cur.push(v);
        i += 3;
      } else if (i + 1 < end) {
        cur.push(text.charCodeAt(++i));
      } else return 'a backslash at the end';
      continue;
    }
    if (c > 0x7e || c < 0x21) return `a character outside printable ASCII at offset ${i} (write it as \\DDD)`;
    cur.push(c);
    if (cur.length > MAX_LABEL) return `a label longer than ${MAX_LABEL} octets`;
  }
  if (cur.length > MAX_LABEL) return `a label longer than ${MAX_LABEL} octets`;
  if (cur.length === 0) return 'an empty label at the end';
  labels.push(Uint8Array.from(cur));
  wire += cur.length + 1;
  if (wire > MAX_NAME_WIRE) return `a name of ${wire} octets on the wire (at most ${MAX_NAME_WIRE})`;
  return labels;
}

/** One label in presentation form: printable ASCII as is, `.` and `\` escaped, others as \DDD. */
export function labelText(buf: Uint8Array, start: number, len: number): string {
  let out = '';
  for (let i = start; i < start + len; i++) {
    const c = buf[i]!;
    if (c === 0x2e || c === 0x5c || c === 0x22 || c === 0x28 || c === 0x29 || c === 0x3b) out += `\\${String.fromCharCode(c)}`;
    else if (c < 0x21 || c > 0x7e) out += `\\${c.toString().padStart(3, '0')}`;
    else out += String.fromCharCode(c);
  }
  return out;
}

/** Labels in presentation form, fully qualified: "www.example.test.", "." for the root. */
export function nameText(labels: readonly Uint8Array[]): string {
  if (labels.length === 0) return '.';
  return labels.map((l) => labelText(l, 0, l.length)).join('.') + '.';
}

/** Names compare without regard to ASCII case (RFC 4343). Both in presentation form. */
export function sameName(a: string, b: string): boolean {
  return canonicalName(a) === canonicalName(b);
}

/** Lower-case ASCII, fully qualified; escapes are left as they are (they hold no letters). */
export function canonicalName(text: string): string {
  const lower = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return endsWithDot(lower) ? lower : `${lower}.`;
}

/** True when the text ends with a dot that no backslash escapes. */
function endsWithDot(text: string): boolean {
  if (!text.endsWith('.')) return false;
  let n = 0;
  for (let i = text.length - 2; i >= 0 && text[i] === '\\'; i--) n++;
  return n % 2 === 0;
}
