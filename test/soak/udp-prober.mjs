// In the client: probes every VIP every EVERY_MS ms over UDP (one datagram per VIP
// per tick, answered by the router holding the VIP) for at most MAX_S seconds.
// A probe is lost when no answer comes within LOSS_MS. Prints JSON lines:
//   {"outage": {vip, from, to, ms, lost, before, after}}   a run of >= 2 lost probes,
//        from/to: send times (epoch ms) of the last answered probe before and the
//        first after; ms = to - from
//   {"stats": {vip: {sent, answered, who}}}                 once a second
//   node udp-prober.mjs PORT EVERY_MS LOSS_MS MAX_S VIP...
import dgram from 'node:dgram';

const [port, everyMs, lossMs, maxS, ...vips] = process.argv.slice(2);
const now = () => performance.timeOrigin + performance.now();
const state = new Map();
const s4 = dgram.createSocket('udp4');
const s6 = dgram.createSocket('udp6');
for (const v of vips) state.set(v, { sent: 0, answered: 0, seq: 0, pending: new Map(), lastOk: undefined, lastWho: undefined, lost: 0, who: {} });

function onMessage(m, r) {
  const [who, vip, seq] = String(m).split(' ');
  const st = state.get(vip);
  if (!st) return;
  const t = st.pending.get(Number(seq));
  if (t === undefined) return; // late: already counted lost
  st.pending.delete(Number(seq));
  st.answered++;
  st.who[who] = (st.who[who] ?? 0) + 1;
  if (st.lost >= 2 && st.lastOk !== undefined) {
    process.stdout.write(JSON.stringify({ outage: { vip, from: st.lastOk, to: t, ms: Math.round(t - st.lastOk), lost: st.lost, before: st.lastWho, after: who } }) + '\n');
  }
  if (st.lastOk === undefined || t > st.lastOk) {
    st.lastOk = t;
    st.lastWho = who;
  }
  st.lost = 0;
}
s4.on('message', onMessage);
s6.on('message', onMessage);
s4.on('error', () => {});
s6.on('error', () => {});
await Promise.all([new Promise((r) => s4.bind(0, r)), new Promise((r) => s6.bind(0, r))]);
process.stdout.write('ready\n');

const end = now() + Number(maxS) * 1000;
// Losses are judged one turn of the loop late (setImmediate runs after the sockets are
// read): after a stall of this process, the overdue tick must not count as lost the
// answers that are already waiting in its socket, or the prober measures its own stall.
const sweep = () => {
  const t = now();
  for (const st of state.values()) {
    for (const [seq, ts] of st.pending) {
      if (t - ts < Number(lossMs)) break; // insertion order = send order
      st.pending.delete(seq);
      st.lost++;
    }
  }
};
const tick = setInterval(() => {
  const t = now();
  if (t > end) return stop();
  setImmediate(sweep);
  for (const [vip, st] of state) {
    const seq = ++st.seq;
    st.pending.set(seq, t);
    st.sent++;
    (vip.includes(':') ? s6 : s4).send(`${vip} ${seq}`, Number(port), vip, () => {});
  }
}, Number(everyMs));
const stats = setInterval(() => {
  const out = {};
  for (const [vip, st] of state) out[vip] = { sent: st.sent, answered: st.answered, who: st.who };
  process.stdout.write(JSON.stringify({ stats: out }) + '\n');
}, 1000);
function stop() {
  clearInterval(tick);
  clearInterval(stats);
  const out = {};
  for (const [vip, st] of state) out[vip] = { sent: st.sent, answered: st.answered, who: st.who };
  process.stdout.write(JSON.stringify({ stats: out, final: true }) + '\n', () => process.exit(0));
}
process.on('SIGTERM', stop);
