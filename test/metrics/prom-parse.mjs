// A strict parser of the Prometheus text exposition format (version 0.0.4):
// it throws on anything the format does not allow, so that a test that parses
// a scrape also checks that the scrape is well formed.
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(s, where) {
  if (s === 'NaN') return NaN;
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new Error(`${where}: bad value ${JSON.stringify(s)}`);
  return Number(s);
}

function parseLabels(text, where) {
  // text is what lies between { and }, scanned by hand for escapes.
  const labels = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without =`);
    const name = text.slice(i, eq).trim();
    if (!LABEL.test(name)) throw new Error(`${where}: bad label name ${JSON.stringify(name)}`);
    if (Object.hasOwn(labels, name)) throw new Error(`${where}: duplicate label ${name}`);
    if (text[eq + 1] !== '"') throw new Error(`${where}: label value not quoted`);
    let j = eq + 2;
    let value = '';
    for (;;) {
      if (j >= text.length) throw new Error(`${where}: unterminated label value`);
      const c = text[j];
      if (c === '\\') {
        const n = text[j + 1];
        if (n === 'n') value += '\n';
        else if (n === '\\' || n === '"') value += n;
        else throw new Error(`${where}: bad escape \\${n}`);
        j += 2;
      } else if (c === '"') {
        j++;
        break;
      } else if (c === '\n') {
        throw new Error(`${where}: newline in label value`);
      } else {
        value += c;
        j++;
      }
    }
    labels[name] = value;
    if (j === text.length) break;
    if (text[j] !== ',') throw new Error(`${where}: expected , after label ${name}`);
    i = j + 1;
  }
  return labels;
}

function familyOf(name, families) {
  if (families.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const f = families.get(base);
      if (f && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return base;
    }
  }
  return undefined;
}

/** Parses a scrape; returns Map(family name -> { type, help, samples: [{ name, labels, value }] }). */
export function parsePrometheus(text) {
  if (!text.endsWith('\n')) throw new Error('exposition does not end with a newline');
  const families = new Map();
  const seen = new Set();
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, n) => {
    const where = `line ${n + 1}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, kw, name, rest] = m;
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
      const f = families.get(name) ?? { type: 'untyped', help: undefined, samples: [], typed: false };
      if (kw === 'TYPE') {
        if (f.typed) throw new Error(`${where}: second TYPE for ${name}`);
        if (f.samples.length > 0) throw new Error(`${where}: TYPE after samples of ${name}`);
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
        f.type = rest;
        f.typed = true;
      } else {
        if (f.help !== undefined) throw new Error(`${where}: second HELP for ${name}`);
        f.help = rest;
      }
      families.set(name, f);
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( (-?\d+))?$/.exec(line);
    if (!m) throw new Error(`${where}: not a sample: ${JSON.stringify(line)}`);
    const [, name, , labelText, valueText] = m;
    const labels = labelText ? parseLabels(labelText, where) : {};
    const value = parseValue(valueText, where);
    let fam = familyOf(name, families);
    if (fam === undefined) {
      fam = name;
      families.set(name, { type: 'untyped', help: undefined, samples: [], typed: false });
    }
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: duplicate series ${key}`);
    seen.add(key);
    const f = families.get(fam);
    if (f.type === 'counter' && !(value >= 0)) throw new Error(`${where}: negative or NaN counter`);
    f.samples.push({ name, labels, value });
  });
  // Histograms: cumulative buckets ending in +Inf equal to _count, per label set.
  for (const [name, f] of families) {
    if (f.type !== 'histogram') continue;
    const groups = new Map();
    for (const s of f.samples) {
      const { le, ...rest } = s.labels;
      const k = JSON.stringify(Object.entries(rest).sort());
      const g = groups.get(k) ?? { buckets: [], count: undefined, sum: undefined };
      if (s.name === `${name}_bucket`) {
        if (le === undefined) throw new Error(`${name}: bucket without le`);
        g.buckets.push([parseValue(le, name), s.value]);
      } else if (s.name === `${name}_count`) g.count = s.value;
      else if (s.name === `${name}_sum`) g.sum = s.value;
      groups.set(k, g);
    }
    for (const [k, g] of groups) {
      const b = g.buckets;
      if (b.length === 0 || b[b.length - 1][0] !== Infinity) throw new Error(`${name}${k}: no +Inf bucket`);
      for (let i = 1; i < b.length; i++) {
        if (!(b[i][0] > b[i - 1][0])) throw new Error(`${name}${k}: buckets out of order`);
        if (b[i][1] < b[i - 1][1]) throw new Error(`${name}${k}: buckets not cumulative`);
      }
      if (g.count !== b[b.length - 1][1]) throw new Error(`${name}${k}: _count ${g.count} != +Inf bucket ${b[b.length - 1][1]}`);
      if (g.sum === undefined) throw new Error(`${name}${k}: no _sum`);
    }
  }
  return families;
}

/** The value of the one sample of `family` (series name `name`) whose labels include `labels`. */
export function value(families, family, labels = {}, name = family) {
  const f = families.get(family);
  if (!f) return undefined;
  const hits = f.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length > 1) throw new Error(`${family} ${JSON.stringify(labels)} matches ${hits.length} samples`);
  return hits[0]?.value;
}
