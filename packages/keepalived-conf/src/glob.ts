import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const MAX_EXPANSIONS = 1024;

/** csh-style brace expansion, `a{b,c{d,e}}` -> `ab acd ace`, bounded. Unbalanced braces stay literal. */
export function braceExpand(pattern: string): string[] {
  let depth = 0;
  let start = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        const inner = pattern.slice(start + 1, i);
        const parts: string[] = [];
        let d = 0;
        let from = 0;
        for (let j = 0; j < inner.length; j++) {
          if (inner[j] === '{') d++;
          else if (inner[j] === '}') d--;
          else if (inner[j] === ',' && d === 0) {
            parts.push(inner.slice(from, j));
            from = j + 1;
          }
        }
        parts.push(inner.slice(from));
        if (parts.length === 1) continue; // `{x}` is not an alternation
        const head = pattern.slice(0, start);
        const tails = braceExpand(pattern.slice(i + 1));
        const out: string[] = [];
        for (const p of parts) {
          for (const mid of braceExpand(p)) {
            for (const t of tails) {
              out.push(head + mid + t);
              if (out.length > MAX_EXPANSIONS) return out;
            }
          }
        }
        return out;
      }
    }
  }
  return [pattern];
}

export function hasMagic(s: string): boolean {
  return /[*?[]/.test(s);
}

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = seg.slice(i + 1, close);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * The files a pattern names, sorted as glob(3) sorts them; a pattern without
 * wildcards names itself whether or not it exists (the caller reports a missing one).
 */
export function globFiles(pattern: string): { files: string[]; magic: boolean } {
  const expanded = braceExpand(pattern);
  const magic = expanded.length > 1 || expanded.some(hasMagic);
  const out: string[] = [];
  for (const p of expanded) {
    if (!hasMagic(p)) {
      if (!magic) out.push(p);
      else {
        try {
          if (statSync(p).isFile()) out.push(p);
        } catch {
          // an alternative that does not exist matches nothing
        }
      }
      continue;
    }
    const abs = path.resolve(p);
    const segs = abs.split('/').filter(Boolean);
    let bases = ['/'];
    for (const [i, seg] of segs.entries()) {
      const last = i === segs.length - 1;
      const next: string[] = [];
      for (const b of bases) {
        if (!hasMagic(seg)) {
          next.push(path.join(b, seg));
          continue;
        }
        let names: string[];
        try {
          names = readdirSync(b);
        } catch {
          continue;
        }
        const re = segmentRegex(seg);
        for (const n of names.sort()) {
          if (n.startsWith('.') && !seg.startsWith('.')) continue;
          if (re.test(n)) next.push(path.join(b, n));
        }
      }
      bases = next.slice(0, MAX_EXPANSIONS);
      if (last) {
        for (const f of bases) {
          try {
            if (statSync(f).isFile()) out.push(f);
          } catch {
            // vanished
          }
        }
      }
    }
  }
  return { files: [...new Set(out)], magic };
}
