import { readFileSync, realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KaConfError, type IncludeStep, type KaConfErrorCode, type KaConfProblem } from './errors.js';
import { globFiles } from './glob.js';

/**
 * keepalived 2.2's configuration grammar (keepalived.conf(5)): comments,
 * blocks, quoting, include, $NAME definitions, @id conditionals, ~SEQ/~LST.
 * The result is a tree of statements, each with the file and line it came
 * from. The grammar is all here; what the keywords mean is translate.ts's.
 */

/** One statement: `keyword arg... [{ children }]`. */
export interface KaNode {
  keyword: string;
  args: string[];
  file: string;
  line: number;
  /** The files that included `file`, outermost first. */
  chain: IncludeStep[];
  /** Present when the statement opens a block. */
  children?: KaNode[];
}

export interface ParseOptions {
  /** keepalived's -i/--config-id; default: the host name up to its first dot, as keepalived does. */
  configId?: string;
  /** Upper bound of the bytes read over all files (default 64 MiB). */
  maxBytes?: number;
  /** Upper bound of the statements produced, after ~SEQ and substitution (default 1,000,000). */
  maxStatements?: number;
  /** Text for a file instead of reading it (tests): path -> content. */
  files?: Record<string, string>;
}

export interface ParseResult {
  nodes: KaNode[];
  /** Every file read, the top one first. */
  files: string[];
  /** Not fatal: an include pattern that matched nothing, and the like. */
  warnings: KaConfProblem[];
  configId: string;
}

export function defaultConfigId(): string {
  return (os.hostname().split('.')[0] ?? '') || 'localhost';
}

interface Origin {
  file: string;
  line: number;
  chain: IncludeStep[];
}

interface Definition {
  params?: string[];
  value: string;
}

interface Token {
  text: string;
  /** `{` or `}` outside quotes. */
  brace?: '{' | '}';
}

const INCLUDE_WORDS = new Set(['include', 'includer', 'includem', 'includew', 'includeb', 'includea']);
const MAX_DEPTH = 32;
const MAX_SUBST_ROUNDS = 64;
const MAX_LINE = 1 << 20;

/** Removes a `#` or `!` comment (outside quotes) from one line. */
export function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' || c === '!') return line.slice(0, i);
  }
  return line;
}

function unescape(text: string, i: number): { ch: string; next: number } {
  const c = text[i]!;
  const simple: Record<string, string> = { a: '\x07', b: '\b', E: '\x1b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
  if (c in simple) return { ch: simple[c]!, next: i + 1 };
  if (/[0-7]/.test(c)) {
    const m = /^[0-7]{1,3}/.exec(text.slice(i))![0];
    return { ch: String.fromCharCode(parseInt(m, 8) & 0xff), next: i + m.length };
  }
  if (c === 'x') {
    const m = /^[0-9a-fA-F]+/.exec(text.slice(i + 1))?.[0];
    if (m) return { ch: String.fromCharCode(parseInt(m.slice(-2), 16)), next: i + 1 + m.length };
  }
  if (c === 'c' && i + 1 < text.length) return { ch: String.fromCharCode(text.charCodeAt(i + 1) & 0x1f), next: i + 2 };
  return { ch: c, next: i + 1 };
}

/** Splits one logical line into words and braces; quotes join, as keepalived.conf(5) "Quoted strings" says. */
export function tokenize(text: string, origin: Origin): Token[] {
  const out: Token[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | undefined;
  let quoteLine = false;
  const push = (): void => {
    if (inWord) out.push({ text: cur });
    cur = '';
    inWord = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && i + 1 < text.length) {
        const u = unescape(text, i + 1);
        cur += u.ch;
        i = u.next - 1;
      } else if (c === quote) quote = undefined;
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      quoteLine = true;
      inWord = true;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') push();
    else if (c === '$' && text[i + 1] === '{') {
      // An undefined ${NAME} stays a word, braces included.
      const close = text.indexOf('}', i);
      const end = close < 0 ? text.length : close + 1;
      cur += text.slice(i, end);
      inWord = true;
      i = end - 1;
    } else if (c === '{' || c === '}') {
      push();
      out.push({ text: c, brace: c });
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw KaConfError.at('HACORE_ERR_KACONF_SYNTAX', origin.file, origin.line, `unterminated quoted string (a ${quote} without its closing ${quote})`, origin.chain);
  void quoteLine;
  push();
  return out;
}

/** Splits a script string into argv as keepalived does: spaces separate, single or double quotes keep them. */
export function splitCommand(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else if (c === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      inWord = true;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** Reads the argument list of `~SEQ(...)` starting at the `(`; returns the items and the index after `)`. */
function readParens(text: string, open: number, origin: Origin): { items: string[]; end: number } {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') {
      depth--;
      if (depth === 0) {
        const inner = text.slice(open + 1, i);
        // Split on commas outside {...} groups (for ~LST({A,B},{1,2})).
        const items: string[] = [];
        let d = 0;
        let from = 0;
        for (let j = 0; j < inner.length; j++) {
          if (inner[j] === '{') d++;
          else if (inner[j] === '}') d--;
          else if (inner[j] === ',' && d === 0) {
            items.push(inner.slice(from, j).trim());
            from = j + 1;
          }
        }
        items.push(inner.slice(from).trim());
        return { items, end: i + 1 };
      }
    }
  }
  throw KaConfError.at('HACORE_ERR_KACONF_SYNTAX', origin.file, origin.line, 'a ~SEQ(...) or ~LST(...) without its closing parenthesis', origin.chain);
}

function parseNumber(s: string): number | undefined {
  const t = s.trim();
  if (/^-?0x[0-9a-fA-F]+$/.test(t)) return t.startsWith('-') ? -parseInt(t.slice(3), 16) : parseInt(t.slice(2), 16);
  if (/^-?\d+$/.test(t)) return Number(t);
  return undefined;
}

class Parser {
  readonly nodes: KaNode[] = [];
  readonly files: string[] = [];
  readonly warnings: KaConfProblem[] = [];
  private readonly defs = new Map<string, Definition>();
  private readonly stack: { node: KaNode | undefined; children: KaNode[] }[] = [];
  private bytes = 0;
  private statements = 0;
  private lineSeq = 0;
  /** The statement being built: it takes the words of its own logical line. */
  private current: { node: KaNode; lineId: number } | undefined;
  /** The last statement closed, which a `{` on the next line may open. */
  private lastNode: { node: KaNode; lineId: number } | undefined;
  private pwd = '';

  constructor(
    readonly configId: string,
    private readonly opts: ParseOptions,
  ) {
    this.stack.push({ node: undefined, children: this.nodes });
  }

  fail(code: KaConfErrorCode, o: Origin, message: string, cause?: unknown): never {
    throw KaConfError.at(code, o.file, o.line, message, o.chain, cause);
  }

  read(file: string, o: Origin | undefined): string {
    const inline = this.opts.files?.[file];
    let buf: Buffer | string;
    if (inline !== undefined) buf = inline;
    else {
      try {
        if (!statSync(file).isFile()) {
          if (o) this.fail('HACORE_ERR_KACONF_INCLUDE', o, `cannot include ${file}: not a regular file`);
          throw KaConfError.at('HACORE_ERR_KACONF_READ', file, 0, 'not a regular file');
        }
        buf = readFileSync(file);
      } catch (err) {
        if (err instanceof KaConfError) throw err;
        const e = err as NodeJS.ErrnoException;
        if (o) this.fail('HACORE_ERR_KACONF_INCLUDE', o, `cannot include ${file}: ${e.code ?? e.message}`, err);
        throw KaConfError.at('HACORE_ERR_KACONF_READ', file, 0, `cannot read the file: ${e.code ?? e.message}`, [], err);
      }
    }
    const max = this.opts.maxBytes ?? 64 * 1024 * 1024;
    this.bytes += buf.length;
    if (this.bytes > max) {
      throw KaConfError.at('HACORE_ERR_KACONF_TOO_LARGE', file, 0, `the configuration is larger than ${max} bytes over all its files`, o ? [...o.chain, { file: o.file, line: o.line }] : []);
    }
    const text = typeof buf === 'string' ? buf : buf.toString('utf8');
    const nul = text.indexOf('\0');
    if (nul >= 0) {
      const line = text.slice(0, nul).split('\n').length;
      throw KaConfError.at('HACORE_ERR_KACONF_BINARY', file, line, 'a NUL byte: this is not a text file', o ? [...o.chain, { file: o.file, line: o.line }] : []);
    }
    return text;
  }

  parseFile(file: string, chain: IncludeStep[], includer: Origin | undefined): void {
    let real = file;
    if (this.opts.files?.[file] === undefined) {
      try {
        real = realpathSync(file);
      } catch {
        real = file;
      }
    }
    if (chain.length > MAX_DEPTH) this.fail('HACORE_ERR_KACONF_INCLUDE_LOOP', includer!, `includes nested deeper than ${MAX_DEPTH} files`);
    const text = this.read(file, includer);
    this.files.push(file);
    const savedPwd = this.pwd;
    this.pwd = path.dirname(file);
    const lines = text.split('\n');
    this.openFiles.push(real);
    for (let i = 0; i < lines.length; i++) {
      const o: Origin = { file, line: i + 1, chain };
      let raw = stripComment(lines[i]!.replace(/\r$/, '')).trim();
      if (raw === '') continue;
      if (raw.length > MAX_LINE) this.fail('HACORE_ERR_KACONF_TOO_LARGE', o, `a line longer than ${MAX_LINE} characters`);
      const first = /^\S+/.exec(raw)![0];
      if (INCLUDE_WORDS.has(first)) {
        this.include(raw.slice(first.length).trim(), first, o);
        continue;
      }
      // A definition continued on the next lines (each ending with `\`).
      if (/^(@\^?\S+\s+)?\$[A-Za-z_][A-Za-z0-9_]*(\([^)]*\))?=/.test(raw)) {
        const parts: string[] = [];
        while (raw.endsWith('\\')) {
          parts.push(raw.slice(0, -1));
          i++;
          if (i >= lines.length) this.fail('HACORE_ERR_KACONF_DEFINITION', o, 'a multi-line definition whose last line ends with \\ at the end of the file');
          raw = stripComment(lines[i]!.replace(/\r$/, '')).trim();
        }
        parts.push(raw);
        raw = parts.join('\n');
      }
      this.logical(raw, o, 0);
    }
    this.openFiles.pop();
    this.pwd = savedPwd;
  }

  private readonly openFiles: string[] = [];

  private include(spec: string, word: string, o: Origin): void {
    tokenize(spec.replace(/[{}]/g, ''), o); // reports an unterminated quote
    const words = splitCommand(spec);
    if (words.length === 0) this.fail('HACORE_ERR_KACONF_INCLUDE', o, `${word} without a file name`);
    for (const w of words) {
      const pattern = path.isAbsolute(w) ? w : path.join(path.dirname(o.file), w);
      const { files, magic } = globFiles(pattern);
      const inline = this.opts.files;
      const found = inline ? (magic ? files : [pattern]) : files;
      if (found.length === 0) {
        const msg = `${word} ${w}: no file matches`;
        if (word === 'include' || word === 'includer') this.warnings.push({ file: o.file, line: o.line, message: msg, ...(o.chain.length ? { chain: o.chain } : {}) });
        else this.fail('HACORE_ERR_KACONF_INCLUDE', o, msg);
        continue;
      }
      for (const f of found) {
        let real = f;
        try {
          real = inline?.[f] !== undefined ? f : realpathSync(f);
        } catch {
          // reported by read()
        }
        if (this.openFiles.includes(real)) {
          this.fail('HACORE_ERR_KACONF_INCLUDE_LOOP', o, `include loop: ${f} is already being read (${[...this.openFiles, real].join(' -> ')})`);
        }
        // keepalived: plain include and includer only report a missing file; includem/w/b/a refuse it.
        const lax = word === 'include' || word === 'includer';
        let missing: string | undefined;
        if (!magic && inline?.[f] === undefined) {
          try {
            statSync(f);
          } catch (err) {
            missing = (err as NodeJS.ErrnoException).code ?? 'unreadable';
            if (!lax) this.fail('HACORE_ERR_KACONF_INCLUDE', o, `cannot include ${f}: ${missing}`, err);
          }
        } else if (inline && inline[f] === undefined) {
          missing = 'ENOENT';
          if (!lax) this.fail('HACORE_ERR_KACONF_INCLUDE', o, `cannot include ${f}: ENOENT`);
        }
        if (missing !== undefined) {
          this.warnings.push({ file: o.file, line: o.line, message: `${word} ${w}: ${f} is missing (${missing}); keepalived goes on without it`, ...(o.chain.length ? { chain: o.chain } : {}) });
          continue;
        }
        this.parseFile(f, [...o.chain, { file: o.file, line: o.line }], o);
      }
    }
  }

  /** One logical line: conditional, definition, sequence, substitution, then words. */
  private logical(text: string, o: Origin, depth: number): void {
    if (depth > MAX_DEPTH) this.fail('HACORE_ERR_KACONF_DEFINITION', o, `definitions expand more than ${MAX_DEPTH} levels deep (a definition that uses itself?)`);
    let t = text.trim();
    if (t === '') return;
    // @id / @^id: keep the rest of the line only on the matching (or not matching) config id.
    const cond = /^@(\^?)(\S*)(?:\s+|$)/.exec(t);
    if (cond) {
      if (cond[2] === '') this.fail('HACORE_ERR_KACONF_SYNTAX', o, "a conditional '@' without a config id after it");
      const match = cond[2] === this.configId;
      if (match === (cond[1] === '^')) return;
      t = t.slice(cond[0].length);
      if (t === '') return;
    }
    const def = /^\$([A-Za-z_][A-Za-z0-9_]*)(?:\(([^)]*)\))?=([\s\S]*)$/.exec(t);
    if (def) {
      const params = def[2]?.split(',').map((p) => p.trim());
      if (params?.some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) this.fail('HACORE_ERR_KACONF_DEFINITION', o, `bad parameter list (${def[2]}) of $${def[1]}`);
      this.defs.set(def[1]!, { value: def[3]!.trim(), ...(params ? { params } : {}) });
      return;
    }
    const seq = /^~(SEQx?|LST)\(/.exec(t);
    if (seq) {
      const { items, end } = readParens(t, seq[0].length - 1, o);
      const rest = t.slice(end);
      for (const bind of this.sequence(seq[1]!, items, o)) {
        for (const [k, v] of bind) this.defs.set(k, { value: v });
        this.logical(rest, o, depth + 1);
      }
      return;
    }
    const sub = this.substitute(t, o);
    if (sub !== t) {
      for (const l of sub.split('\n')) this.logical(l, o, depth + 1);
      return;
    }
    this.words(tokenize(t, o), o);
  }

  private sequence(kind: string, items: string[], o: Origin): Map<string, string>[] {
    const max = this.opts.maxStatements ?? 1_000_000;
    if (kind === 'LST') {
      if (items.length < 2) this.fail('HACORE_ERR_KACONF_SYNTAX', o, '~LST needs a variable and at least one value');
      const vars = items[0]!.replace(/^\{|\}$/g, '').split(',').map((v) => v.trim());
      if (vars.some((v) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v))) this.fail('HACORE_ERR_KACONF_SYNTAX', o, `~LST variable list ${items[0]} is not a list of names`);
      return items.slice(1).map((it) => {
        const vals = vars.length > 1 ? it.replace(/^\{|\}$/g, '').split(',').map((v) => v.trim()) : [it];
        if (vals.length !== vars.length) this.fail('HACORE_ERR_KACONF_SYNTAX', o, `~LST value ${it} does not give ${vars.length} values`);
        return new Map(vars.map((v, i) => [v, vals[i]!]));
      });
    }
    const [name, ...nums] = items;
    if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) this.fail('HACORE_ERR_KACONF_SYNTAX', o, `~${kind} needs a variable name first, found ${JSON.stringify(name ?? '')}`);
    const n = nums.map(parseNumber);
    if (n.length < 1 || n.length > 3 || n.some((x) => x === undefined)) this.fail('HACORE_ERR_KACONF_SYNTAX', o, `~${kind}(${items.join(', ')}): expected (var, [start, [step,]] end) with integers`);
    let start: number, step: number, end: number;
    if (n.length === 1) {
      end = n[0]!;
      start = end >= 0 ? 1 : -1;
      step = end >= start ? 1 : -1;
    } else if (n.length === 2) {
      start = n[0]!;
      end = n[1]!;
      step = end >= start ? 1 : -1;
    } else {
      [start, step, end] = n as [number, number, number];
    }
    if (step === 0) this.fail('HACORE_ERR_KACONF_SYNTAX', o, `~${kind} with a step of 0 never ends`);
    const out: Map<string, string>[] = [];
    for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
      out.push(new Map([[name, kind === 'SEQx' ? v.toString(16) : String(v)]]));
      if (out.length > max) this.fail('HACORE_ERR_KACONF_TOO_LARGE', o, `~${kind} produces more than ${max} lines`);
    }
    return out;
  }

  /** $NAME (before whitespace or the end) and ${NAME}, recursively; undefined names stay as they are. */
  private substitute(text: string, o: Origin): string {
    let t = text;
    for (let round = 0; round < MAX_SUBST_ROUNDS; round++) {
      const next = t.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:\(([^)]*)\))?((?:\s+\d+)*)\}|\$([A-Za-z_][A-Za-z0-9_]*)(?:\(([^)]*)\))?(?=\s|$)/g, (m, n1?: string, a1?: string, extra?: string, n2?: string, a2?: string) => {
        const name = (n1 ?? n2)!;
        const args = a1 ?? a2;
        const v = this.lookup(name, args, extra ?? '', o);
        return v ?? m;
      });
      if (next === t) return t;
      if (next.length > MAX_LINE * 4) this.fail('HACORE_ERR_KACONF_TOO_LARGE', o, 'a substitution grows the line beyond 4 MiB (a definition that uses itself?)');
      t = next;
    }
    this.fail('HACORE_ERR_KACONF_DEFINITION', o, `substitution does not end after ${MAX_SUBST_ROUNDS} rounds (a definition that uses itself?)`);
  }

  private lookup(name: string, args: string | undefined, extra: string, o: Origin): string | undefined {
    switch (name) {
      case '_PWD':
        return this.pwd;
      case '_INSTANCE':
        return this.configId;
      case '_HASH':
        return '#';
      case '_BANG':
        return '!';
      case '_RANDOM': {
        const [min = 0, max = 32767] = extra.trim().split(/\s+/).filter(Boolean).map(Number);
        return String(min + Math.floor(Math.random() * (Math.max(min, max) - min + 1)));
      }
      default:
        break;
    }
    const d = this.defs.get(name);
    if (!d) return undefined;
    if (!d.params) return d.value;
    const vals = (args ?? '').split(',').map((a) => a.trim());
    if (args === undefined || vals.length !== d.params.length) {
      this.fail('HACORE_ERR_KACONF_DEFINITION', o, `$${name} takes ${d.params.length} parameter(s) (${d.params.join(', ')}), given ${args === undefined ? 'none' : vals.length}`);
    }
    let v = d.value;
    d.params.forEach((p, i) => {
      v = v.replace(new RegExp(`\\$\\{${p}\\}|\\$${p}(?=\\s|$)`, 'g'), () => vals[i]!);
    });
    return v;
  }

  private words(tokens: Token[], o: Origin): void {
    if (tokens.length === 0) return;
    const lineId = ++this.lineSeq;
    for (const tok of tokens) {
      const top = this.stack[this.stack.length - 1]!;
      if (tok.brace === '{') {
        const target = this.current?.lineId === lineId ? this.current.node : this.current === undefined && this.lastNode && !this.lastNode.node.children ? this.lastNode.node : undefined;
        if (!target) this.fail('HACORE_ERR_KACONF_SYNTAX', o, "a '{' that follows no keyword");
        target.children = [];
        this.stack.push({ node: target, children: target.children });
        this.current = undefined;
        this.lastNode = undefined;
      } else if (tok.brace === '}') {
        if (this.stack.length === 1) this.fail('HACORE_ERR_KACONF_SYNTAX', o, "a '}' that closes no block (one '}' too many)");
        this.stack.pop();
        this.current = undefined;
        this.lastNode = undefined;
      } else if (this.current?.lineId === lineId) {
        this.current.node.args.push(tok.text);
      } else {
        if (++this.statements > (this.opts.maxStatements ?? 1_000_000)) this.fail('HACORE_ERR_KACONF_TOO_LARGE', o, `more than ${this.opts.maxStatements ?? 1_000_000} statements`);
        const node: KaNode = { keyword: tok.text, args: [], file: o.file, line: o.line, chain: o.chain };
        top.children.push(node);
        this.current = { node, lineId };
      }
    }
    if (this.current) this.lastNode = this.current;
    this.current = undefined;
  }

  finish(): void {
    if (this.stack.length > 1) {
      const open = this.stack[this.stack.length - 1]!.node!;
      throw KaConfError.at(
        'HACORE_ERR_KACONF_SYNTAX',
        open.file,
        open.line,
        `the block of "${open.keyword}" opened here is never closed (${this.stack.length - 1} '}' missing)`,
        open.chain,
      );
    }
  }
}

/**
 * Parses a keepalived.conf and the files it includes. Throws only KaConfError;
 * bounded in bytes, statements and expansion depth, so it always ends.
 */
export function parseKeepalivedConf(file: string, opts: ParseOptions = {}): ParseResult {
  const configId = opts.configId ?? defaultConfigId();
  const p = new Parser(configId, opts);
  try {
    const abs = opts.files?.[file] !== undefined ? file : path.resolve(file);
    p.parseFile(abs, [], undefined);
    p.finish();
  } catch (err) {
    if (err instanceof KaConfError) throw err;
    // A bug of ours must still surface as the parser's own error type.
    throw KaConfError.at('HACORE_ERR_KACONF_SYNTAX', file, 0, `internal parser error: ${(err as Error)?.message ?? String(err)}`, [], err);
  }
  return { nodes: p.nodes, files: p.files, warnings: p.warnings, configId };
}

/** Parses text as if it were the file `name` (tests, fuzzing). */
export function parseKeepalivedText(text: string, opts: Omit<ParseOptions, 'files'> & { name?: string; files?: Record<string, string> } = {}): ParseResult {
  const name = opts.name ?? '/keepalived.conf';
  return parseKeepalivedConf(name, { ...opts, files: { ...(opts.files ?? {}), [name]: text } });
}
