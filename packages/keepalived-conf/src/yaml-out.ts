import path from 'node:path';
import { Document, isMap, isSeq, type Node } from 'yaml';
import type { Translation } from './translate.js';

/**
 * hacore YAML for a translation: a comment before every block naming the
 * keepalived file:line it came from, so a person can check it side by side.
 */
export function toYaml(tr: Translation, source: string): string {
  const doc = new Document(tr.doc);
  const rel = (f: string): string => (path.isAbsolute(f) ? path.relative(path.dirname(source), f) || path.basename(f) : f) || f;
  const from = (p: string): string | undefined => {
    const s = tr.sources.get(p);
    return s ? ` from ${rel(s.file)}:${s.line}` : undefined;
  };
  doc.commentBefore = ` hacore configuration translated from the keepalived configuration ${source}\n by hacore import; each block names the keepalived file:line it came from.`;
  const visit = (node: unknown, p: string, depth: number): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = String((pair.key as { value?: unknown }).value);
        const child = p ? `${p}.${key}` : key;
        const c = depth <= 3 ? from(child) : undefined;
        if (c && (isMap(pair.value) || isSeq(pair.value))) (pair.key as Node).commentBefore = c;
        visit(pair.value, child, depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const child = `${p}[${i}]`;
        const c = from(child);
        if (c && isMap(item)) (item as Node).commentBefore = c;
        visit(item, child, depth + 1);
      });
    }
  };
  visit(doc.contents, '', 0);
  return doc.toString({ lineWidth: 0 });
}
