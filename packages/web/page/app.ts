// The console page: reads /api/snapshot, then follows /api/stream (server-sent
// events read with fetch, so the token travels in a header, never in a URL or
// a cookie). Every value from the daemon is put in the page as text.

export {};

type Json = Record<string, any>;
type Sample = [number, 0 | 1, number];
interface Entry { event: Json; text: { title: string; change: string; detail: string } }

const AUTH_KEY = 'hacore-authorization';
/** The whole Authorization header value: `Bearer TOKEN`, or `Basic ...` for a user and password. */
let credential = sessionStorage.getItem(AUTH_KEY) ?? '';
let status: Record<string, Json> = {};
let history: Record<string, Sample[]> = {};
let events: Entry[] = [];
let actionsAllowed = false;
let retryMs = 1000;
let stream: AbortController | undefined;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

function el(tag: string, props: Record<string, string> = {}, ...children: (Node | string | undefined)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== undefined) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

// x-hacore-page: the daemon then answers 401 with a challenge the browser does not prompt for (this page has its own form).
function headers(extra: Record<string, string> = {}): Record<string, string> {
  return credential ? { authorization: credential, 'x-hacore-page': '1', ...extra } : { 'x-hacore-page': '1', ...extra };
}

function basic(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

function setConn(text: string, cls: string): void {
  const c = $('conn');
  c.textContent = text;
  c.className = `conn ${cls}`;
}

function toast(text: string, error = false): void {
  const t = $('toast');
  t.textContent = text;
  t.className = error ? 'error' : '';
  t.hidden = false;
  setTimeout(() => (t.hidden = true), 6000);
}

function showLogin(why: string): void {
  $('login').hidden = false;
  $('main').hidden = true;
  $('login-why').textContent = why;
  setConn('not signed in', 'lost');
}

async function boot(): Promise<void> {
  let r: Response;
  try {
    r = await fetch('/api/snapshot', { headers: headers(), cache: 'no-store' });
  } catch {
    return reconnectLater();
  }
  if (r.status === 401) return showLogin(credential ? 'The credentials were refused (401 not authenticated). Enter the right ones.' : 'This console needs a token, or a user and password.');
  if (!r.ok) return reconnectLater();
  const snap = (await r.json()) as Json;
  $('login').hidden = true;
  $('main').hidden = false;
  actionsAllowed = snap.console?.actions === true;
  status = snap.status ?? {};
  history = snap.history ?? {};
  events = snap.events ?? [];
  render();
  void follow();
}

function reconnectLater(): void {
  setConn(`connection lost, retrying in ${Math.round(retryMs / 1000)} s`, 'lost');
  setTimeout(() => void boot(), retryMs);
  retryMs = Math.min(retryMs * 2, 5000);
}

async function follow(): Promise<void> {
  stream?.abort();
  const ctl = new AbortController();
  stream = ctl;
  try {
    const r = await fetch('/api/stream', { headers: headers(), signal: ctl.signal, cache: 'no-store' });
    if (r.status === 401) return showLogin('The credentials were refused (401 not authenticated).');
    if (!r.ok || !r.body) throw new Error(String(r.status));
    setConn('live', 'live');
    retryMs = 1000;
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        onFrame(buf.slice(0, end));
        buf = buf.slice(end + 2);
      }
    }
  } catch {
    if (ctl.signal.aborted) return;
  }
  reconnectLater();
}

function onFrame(frame: string): void {
  let event = 'message';
  let data = '';
  for (const line of frame.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data += line.slice(6);
  }
  if (!data) return;
  const v = JSON.parse(data) as Json;
  if (event === 'status') {
    status = mergeStatus(status, v.status ?? {});
    if (v.history) history = v.history;
    if (v.historyAdd) appendHistory(v.historyAdd, v.now - (v.historyMs ?? 300_000));
  } else if (event === 'event') {
    events.push(v as Entry);
    if (events.length > 200) events.shift();
    // A check's new state shows at once; the next status read (at most a second away) brings the rest.
    const e = (v as Entry).event;
    if (e.kind === 'target-state') {
      for (const d of docs()) for (const t of d.targets ?? []) if (t.check === e.check) Object.assign(t, { state: e.to, since: e.time });
    }
  }
  render();
}

/** A live frame's documents; a `targetsDelta` document holds only the targets that changed. */
function mergeStatus(prev: Record<string, Json>, next: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [role, doc] of Object.entries(next)) {
    if (!doc?.targetsDelta) {
      out[role] = doc;
      continue;
    }
    const byCheck = new Map<string, Json>(((prev[role]?.targets ?? []) as Json[]).map((t) => [t.check, t]));
    for (const t of doc.targets as Json[]) byCheck.set(t.check, t);
    out[role] = { ...doc, targets: [...byCheck.values()] };
  }
  return out;
}

/** New probe results from a live frame; the oldest ones leave the sparklines' window. */
function appendHistory(added: Record<string, Sample[]>, oldest: number): void {
  for (const [check, samples] of Object.entries(added)) {
    const list = (history[check] ??= []);
    list.push(...samples);
    let drop = 0;
    while (drop < list.length && list[drop]![0] < oldest) drop++;
    if (drop > 0) list.splice(0, drop);
  }
}

async function act(action: string, args: Record<string, string>, question: string): Promise<void> {
  if (!confirm(question)) return;
  const r = await fetch('/api/action', { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify({ action, args }) });
  const body = (await r.json().catch(() => ({}))) as Json;
  if (r.ok) toast((body.replies ?? []).map((x: Json) => x.result).join('; ') || 'done');
  else toast(`${action} refused: ${body.error ?? r.status}`, true);
}

function docs(): Json[] {
  return Object.values(status).filter((d) => d && typeof d === 'object');
}

function ms(v: number): string {
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;
}

function fmtTime(ms: number | undefined): string {
  return ms ? new Date(ms).toLocaleTimeString() : '';
}

function spark(samples: Sample[] | undefined): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 140 22');
  const list = samples ?? [];
  if (list.length > 0) {
    const t0 = list[0]![0];
    const span = Math.max(1, list[list.length - 1]![0] - t0);
    const max = Math.max(1, ...list.map((s) => s[2]));
    const x = (t: number): number => ((t - t0) / span) * 138 + 1;
    const line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', list.map((s) => `${x(s[0]).toFixed(1)},${(21 - (s[2] / max) * 19).toFixed(1)}`).join(' '));
    svg.append(line);
    for (const s of list) {
      if (s[1] === 1) continue;
      const r = document.createElementNS(ns, 'rect');
      r.setAttribute('class', 'fail');
      r.setAttribute('x', x(s[0]).toFixed(1));
      r.setAttribute('y', '0');
      r.setAttribute('width', '2');
      r.setAttribute('height', '22');
      svg.append(r);
    }
    const title = document.createElementNS(ns, 'title');
    const fails = list.filter((s) => s[1] === 0).length;
    title.textContent = `${list.length} probes, ${fails} failed, max ${max} ms`;
    svg.append(title);
  }
  return svg;
}

function targetsByAddress(): Map<string, Json[]> {
  const m = new Map<string, Json[]>();
  for (const d of docs()) {
    for (const t of d.targets ?? []) {
      const a = t.target?.address;
      if (!a) continue;
      const key = `${a.includes(':') ? `[${a}]` : a}:${t.target.port ?? 0}`;
      m.set(key, [...(m.get(key) ?? []), t]);
    }
  }
  return m;
}

/** One cell: text, several lines, a sparkline, or a button (kept across updates, so it can be clicked while the page is live). */
type Cell =
  | { text: string; cls?: string }
  | { lines: string[]; cls?: string }
  | { spark: Sample[] | undefined }
  | { button: { label: string; action: string; run: () => void } | undefined };
interface Row {
  key: string;
  attrs: Record<string, string>;
  cells: Cell[];
}

const clickHandlers = new Map<HTMLElement, () => void>();

/** Updates a table body in place, row by row and cell by cell, touching only what changed. */
function syncRows(body: HTMLElement, rows: Row[]): void {
  const old = new Map<string, HTMLElement>();
  for (const tr of Array.from(body.children) as HTMLElement[]) old.set(tr.dataset.key ?? '', tr);
  let prev: Element | null = null;
  for (const row of rows) {
    let tr = old.get(row.key);
    old.delete(row.key);
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.key = row.key;
    }
    for (const [k, v] of Object.entries(row.attrs)) if (tr.getAttribute(k) !== v) tr.setAttribute(k, v);
    while (tr.children.length < row.cells.length) tr.append(document.createElement('td'));
    row.cells.forEach((cell, i) => {
      const td = tr!.children[i] as HTMLElement;
      const cls = 'cls' in cell ? (cell.cls ?? '') : '';
      if (td.className !== cls) td.className = cls;
      if ('text' in cell) {
        if (td.dataset.sig !== `t:${cell.text}`) {
          td.textContent = cell.text;
          td.dataset.sig = `t:${cell.text}`;
        }
      } else if ('lines' in cell) {
        const sig = `l:${cell.lines.join('\n')}`;
        if (td.dataset.sig !== sig) {
          td.replaceChildren(...cell.lines.map((l) => el('div', {}, l)));
          td.dataset.sig = sig;
        }
      } else if ('spark' in cell) {
        const list = cell.spark ?? [];
        const sig = `s:${list.length}:${list[list.length - 1]?.[0] ?? 0}`;
        if (td.dataset.sig !== sig) {
          td.replaceChildren(spark(cell.spark));
          td.dataset.sig = sig;
        }
      } else {
        const b = cell.button;
        let btn = td.querySelector('button');
        if (!b) {
          if (btn) td.replaceChildren();
          return;
        }
        if (!btn) {
          btn = document.createElement('button');
          btn.type = 'button';
          btn.addEventListener('click', () => clickHandlers.get(btn!)?.());
          td.replaceChildren(btn);
        }
        if (btn.textContent !== b.label) btn.textContent = b.label;
        if (btn.dataset.action !== b.action) btn.dataset.action = b.action;
        clickHandlers.set(btn, b.run);
      }
    });
    if (prev === null ? body.firstElementChild !== tr : prev.nextElementSibling !== tr) {
      if (prev === null) body.prepend(tr);
      else prev.after(tr);
    }
    prev = tr;
  }
  for (const tr of old.values()) tr.remove();
}

function renderVrrp(): void {
  const instances = docs().flatMap((d) => d.vrrp?.instances ?? []);
  $('vrrp-empty').hidden = instances.length > 0;
  syncRows(
    $('vrrp').querySelector('tbody')!,
    instances.map((i: Json): Row => {
      const transitions = events
        .filter((e) => e.event.kind === 'vrrp-transition' && e.event.instance === i.name)
        .slice(-3)
        .reverse()
        .map((e) => `${fmtTime(e.event.time)} ${e.event.from} → ${e.event.to}: ${e.event.reason ?? ''}`);
      const tracked = (i.tracked ?? []).map((t: Json) => `${t.kind ?? ''} ${t.name ?? ''}: ${t.state ?? ''}${t.weight ? ` (weight ${t.weight})` : ''}`);
      const y = i.yielded !== undefined;
      const master = i.state === 'MASTER' ? `${i.source ?? ''} (this router)` : String(i.master ?? '');
      return {
        key: i.name,
        attrs: { 'data-instance': i.name, class: `vrrp-${i.state}` },
        cells: [
          { text: i.name },
          { text: y ? `YIELDED (${i.state})` : String(i.state), cls: y ? 'state yielded' : `state state-${i.state}` },
          { text: `${i.effectivePriority ?? ''} (configured ${i.priority ?? ''})` },
          { lines: tracked.length ? tracked : ['—'] },
          { text: master, cls: 'master' },
          { lines: transitions },
          {
            button: actionsAllowed
              ? {
                  label: y ? 'Unyield' : 'Yield',
                  action: y ? 'unyield' : 'yield',
                  run: () =>
                    void act(y ? 'unyield' : 'yield', { instance: i.name }, y ? `Let ${i.name} take part in elections again?` : `Make ${i.name} give up master (priority 0) and stay backup until unyield?`),
                }
              : undefined,
          },
        ],
      };
    }),
  );
}

function renderVirtualServers(): void {
  const box = $('vs');
  const servers = docs().flatMap((d) => d.ipvs?.virtualServers ?? []);
  $('vs-empty').hidden = servers.length > 0;
  const byAddr = targetsByAddress();
  const byName = new Map<string, Json>(docs().flatMap((d) => (d.targets ?? []).map((t: Json) => [t.check, t] as [string, Json])));
  const keep = new Set<string>();
  for (const vs of servers) {
    keep.add(vs.name);
    let table = box.querySelector(`table[data-vs="${CSS.escape(vs.name)}"]`) as HTMLElement | null;
    let title = table?.previousElementSibling as HTMLElement | null;
    if (!table) {
      title = el('h3');
      table = el('table', { 'data-vs': vs.name }, el('thead', {}, el('tr', {}, ...['real server', 'state', 'kernel weight', 'weight', 'reason', 'latency', 'last minutes', ''].map((h) => el('th', {}, h)))), el('tbody'));
      box.append(title, table);
    }
    const q = vs.quorum ?? {};
    const heading = `${vs.name} (${(vs.services ?? []).join(', ')}) ${q.up ? 'quorum' : 'NO QUORUM'} ${q.liveWeight}/${q.quorum}`;
    if (title!.textContent !== heading) title!.textContent = heading;
    syncRows(
      table.querySelector('tbody')!,
      (vs.realServers ?? []).map((rs: Json): Row => {
        // An inline check of the real server (named `VS@ADDRESS:PORT-N` by @hacore/ipvs), else one that probes its address.
        const check = byName.get(`${vs.name}@${rs.id}-0`) ?? (byAddr.get(rs.id) ?? [])[0];
        const d = rs.drained !== undefined;
        return {
          key: rs.id,
          attrs: { 'data-rs': rs.id, class: `${rs.up ? 'up' : 'down'}${d ? ' drained' : ''}` },
          cells: [
            { text: rs.id },
            { text: `${rs.up ? 'UP' : 'DOWN'}${d ? ' DRAINED' : ''}`, cls: 'state' },
            { text: String(rs.kernelWeight ?? '—'), cls: 'weight' },
            { text: String(rs.weight) },
            { text: String(rs.reason ?? '') },
            { text: check?.lastResult ? ms(check.lastResult.latencyMs) : '' },
            { spark: check ? history[check.check] : undefined },
            {
              button: actionsAllowed
                ? {
                    label: d ? 'Undrain' : 'Drain',
                    action: d ? 'undrain' : 'drain',
                    run: () =>
                      void act(d ? 'undrain' : 'drain', { realServer: rs.id, virtualServer: vs.name }, d ? `Give ${rs.id} its weight back?` : `Drain ${rs.id} (weight 0, connections kept)?`),
                  }
                : undefined,
            },
          ],
        };
      }),
    );
  }
  for (const table of Array.from(box.querySelectorAll('table[data-vs]')) as HTMLElement[]) {
    if (keep.has(table.dataset.vs ?? '')) continue;
    table.previousElementSibling?.remove();
    table.remove();
  }
}

function renderChecks(): void {
  syncRows(
    $('checks').querySelector('tbody')!,
    docs()
      .flatMap((d) => d.targets ?? [])
      .map((t: Json): Row => ({
        key: t.check,
        attrs: { 'data-check': t.check, class: t.state === 'down' ? 'down' : t.state === 'up' ? 'up' : '' },
        cells: [
          { text: t.check },
          { text: t.type },
          { text: t.target?.address ? `${t.target.address}${t.target.port !== undefined ? `:${t.target.port}` : ''}` : '' },
          { text: String(t.state).toUpperCase(), cls: 'state' },
          { text: t.lastResult?.reason ?? '' },
          { text: t.lastResult ? ms(t.lastResult.latencyMs) : '' },
          { spark: history[t.check] },
        ],
      })),
  );
}

let eventsShown = '';

function renderEvents(): void {
  const list = $('events');
  const sig = `${events.length}:${events[events.length - 1]?.event.time ?? 0}`;
  if (sig === eventsShown) return;
  eventsShown = sig;
  list.replaceChildren(
    ...events
      .slice()
      .reverse()
      .slice(0, 100)
      .map((e) => el('li', { 'data-kind': String(e.event.kind) }, el('time', {}, fmtTime(e.event.time)), `${e.text.title}: ${e.text.change}${e.text.detail ? ` — ${e.text.detail}` : ''}`)),
  );
}

function renderPlugins(): void {
  const seen = new Map<string, string>();
  for (const d of docs()) for (const p of d.plugins ?? []) seen.set(p.name, p.version ?? '?');
  const main = status.main ?? status.single;
  $('host').textContent = main ? `core ${main.version} · pid ${main.pid}` : '';
  $('plugins').replaceChildren(...[...seen].map(([n, v]) => el('li', {}, `${n} ${v}`)));
}

function render(): void {
  renderVrrp();
  renderVirtualServers();
  renderChecks();
  renderEvents();
  renderPlugins();
}

$('login-go').addEventListener('click', () => {
  const user = $<HTMLInputElement>('user').value.trim();
  const secret = $<HTMLInputElement>('token').value;
  credential = user ? basic(user, secret) : `Bearer ${secret.trim()}`;
  sessionStorage.setItem(AUTH_KEY, credential);
  void boot();
});
void boot();
