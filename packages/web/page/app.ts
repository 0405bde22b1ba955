// The console page: reads /api/snapshot, then follows /api/stream (server-sent
// events read with fetch, so the token travels in a header, never in a URL or
// a cookie). Every value from the daemon is put in the page as text.

export {};

type Json = Record<string, any>;
type Sample = [number, 0 | 1, number];
interface Entry { event: Json; text: { title: string; change: string; detail: string } }

const TOKEN_KEY = 'hacore-token';
let token = sessionStorage.getItem(TOKEN_KEY) ?? '';
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

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return token ? { authorization: `Bearer ${token}`, ...extra } : extra;
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
  if (r.status === 401) return showLogin(token ? 'The token was refused (401 not authenticated). Enter the right one.' : 'This console needs a token.');
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
    if (r.status === 401) return showLogin('The token was refused (401 not authenticated).');
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
    status = v.status ?? {};
    history = v.history ?? {};
  } else if (event === 'event') {
    events.push(v as Entry);
    if (events.length > 200) events.shift();
  }
  render();
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

function renderVrrp(): void {
  const body = $('vrrp').querySelector('tbody')!;
  body.replaceChildren();
  const instances = docs().flatMap((d) => d.vrrp?.instances ?? []);
  $('vrrp-empty').hidden = instances.length > 0;
  for (const i of instances) {
    const transitions = events
      .filter((e) => e.event.kind === 'vrrp-transition' && e.event.instance === i.name)
      .slice(-3)
      .reverse()
      .map((e) => el('div', {}, `${fmtTime(e.event.time)} ${e.event.from} → ${e.event.to}: ${e.event.reason ?? ''}`));
    const tracked = (i.tracked ?? []).map((t: Json) =>
      el('div', {}, `${t.kind ?? ''} ${t.name ?? ''}: ${t.state ?? ''}${t.weight ? ` (weight ${t.weight})` : ''}`),
    );
    const stateText = i.yielded ? `YIELDED (${i.state})` : String(i.state);
    const button = !actionsAllowed
      ? undefined
      : i.yielded
        ? el('button', { type: 'button', 'data-action': 'unyield' }, 'Unyield')
        : el('button', { type: 'button', 'data-action': 'yield' }, 'Yield');
    button?.addEventListener('click', () =>
      void act(i.yielded ? 'unyield' : 'yield', { instance: i.name }, i.yielded ? `Let ${i.name} take part in elections again?` : `Make ${i.name} give up master (priority 0) and stay backup until unyield?`),
    );
    const master = i.state === 'MASTER' ? `${i.source ?? ''} (this router)` : (i.master ?? '');
    body.append(
      el(
        'tr',
        { 'data-instance': i.name, class: `vrrp-${i.state}` },
        el('td', {}, i.name),
        el('td', { class: i.yielded ? 'state yielded' : `state state-${i.state}` }, stateText),
        el('td', {}, `${i.effectivePriority ?? ''} (configured ${i.priority ?? ''})`),
        el('td', {}, ...(tracked.length ? tracked : ['—'])),
        el('td', { class: 'master' }, master),
        el('td', {}, ...transitions),
        el('td', {}, button),
      ),
    );
  }
}

function renderVirtualServers(): void {
  const box = $('vs');
  box.replaceChildren();
  const servers = docs().flatMap((d) => d.ipvs?.virtualServers ?? []);
  $('vs-empty').hidden = servers.length > 0;
  const byAddr = targetsByAddress();
  for (const vs of servers) {
    const rows = (vs.realServers ?? []).map((rs: Json) => {
      const checks = byAddr.get(rs.id) ?? [];
      const last = checks[0]?.lastResult;
      const btn = actionsAllowed ? el('button', { type: 'button', 'data-action': rs.drained ? 'undrain' : 'drain' }, rs.drained ? 'Undrain' : 'Drain') : undefined;
      btn?.addEventListener('click', () =>
        void act(rs.drained ? 'undrain' : 'drain', { realServer: rs.id, virtualServer: vs.name }, rs.drained ? `Give ${rs.id} its weight back?` : `Drain ${rs.id} (weight 0, connections kept)?`),
      );
      return el(
        'tr',
        { 'data-rs': rs.id, class: `${rs.up ? 'up' : 'down'}${rs.drained ? ' drained' : ''}` },
        el('td', {}, rs.id),
        el('td', { class: 'state' }, `${rs.up ? 'UP' : 'DOWN'}${rs.drained ? ' DRAINED' : ''}`),
        el('td', { class: 'weight' }, String(rs.kernelWeight ?? '—')),
        el('td', {}, String(rs.weight)),
        el('td', {}, rs.reason ?? ''),
        el('td', {}, last ? `${last.latencyMs} ms` : ''),
        el('td', {}, spark(checks[0] ? history[checks[0].check] : undefined)),
        el('td', {}, btn),
      );
    });
    const q = vs.quorum ?? {};
    box.append(
      el('h3', {}, `${vs.name} (${(vs.services ?? []).join(', ')}) `, el('span', { class: q.up ? 'muted' : 'yielded' }, q.up ? `quorum ${q.liveWeight}/${q.quorum}` : `NO QUORUM ${q.liveWeight}/${q.quorum}`)),
      el(
        'table',
        { 'data-vs': vs.name },
        el('thead', {}, el('tr', {}, ...['real server', 'state', 'kernel weight', 'weight', 'reason', 'latency', 'last minutes', ''].map((h) => el('th', {}, h)))),
        el('tbody', {}, ...rows),
      ),
    );
  }
}

function renderChecks(): void {
  const body = $('checks').querySelector('tbody')!;
  body.replaceChildren();
  for (const t of docs().flatMap((d) => d.targets ?? [])) {
    const a = t.target?.address ? `${t.target.address}${t.target.port !== undefined ? `:${t.target.port}` : ''}` : '';
    body.append(
      el(
        'tr',
        { 'data-check': t.check, class: t.state === 'down' ? 'down' : t.state === 'up' ? 'up' : '' },
        el('td', {}, t.check),
        el('td', {}, t.type),
        el('td', {}, a),
        el('td', { class: 'state' }, String(t.state).toUpperCase()),
        el('td', {}, t.lastResult?.reason ?? ''),
        el('td', {}, t.lastResult ? `${t.lastResult.latencyMs} ms` : ''),
        el('td', {}, spark(history[t.check])),
      ),
    );
  }
}

function renderEvents(): void {
  const list = $('events');
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
  token = $<HTMLInputElement>('token').value.trim();
  sessionStorage.setItem(TOKEN_KEY, token);
  void boot();
});
void boot();
