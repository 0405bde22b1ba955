// The packet fuzzer (docs/reliability.md): a router running hacore (three VRRP instances,
// one per decoder: v2 IPv4, v3 IPv4, v3 IPv6, all Master, and an ICMP check) and a client
// that sends it mutated and random frames through a packet socket, so that they take the
// daemon's real receive path (kernel, raw socket, kernel filter, transport, decoder,
// validation). The runner sends in chunks and waits for the socket's queue to empty
// before the next, so the kernel drops as few as it can for want of buffer; those it does
// drop (/proc/net/raw) are reported, never counted as read. At the end: no process of the
// daemon died or restarted, no error was logged, no instance changed state, the ICMP check
// never went down, and every packet hacore read is counted, by reason.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VrrpLab, hacoreConfig, waitFor } from '../lib/vrrp-lab.mjs';
import { childPids, procInfo } from './resources.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const PRIORITY = 200;
const CHUNK = 200;

/** Rows of /proc/PID/net/raw{,6} for one IP protocol: [{rxQueue, drops}]. */
async function rawSockets(pid, family, protocol) {
  const text = await readFile(`/proc/${pid}/net/raw${family === 6 ? '6' : ''}`, 'utf8').catch(() => '');
  const port = protocol.toString(16).toUpperCase().padStart(4, '0');
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c.length > 12 && c[1].endsWith(`:${port}`))
    .map((c) => ({ rxQueue: parseInt(c[4].split(':')[1], 16), drops: Number(c.at(-1)) }));
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const sumValues = (o) => sum(Object.values(o ?? {}).map(Number));

function diff(after, before) {
  const out = {};
  for (const k of Object.keys(after ?? {})) {
    const d = Number(after[k]) - Number(before?.[k] ?? 0);
    if (d) out[k] = d;
  }
  return out;
}

/**
 * @param {{perDecoder: number, seed: number, log?: (s: string) => void}} opts
 * @returns {Promise<{decoders: object[], breaches: string[]}>}
 */
export async function runFuzz({ perDecoder, seed, log = (s) => process.stdout.write(`${s}\n`) }) {
  const breaches = [];
  const lab = await VrrpLab.create('fuzz', { routers: 1 });
  const t0 = Date.now();
  try {
    const r = 'r1';
    const inst = [
      { name: 'F_V2_4', vrid: 61, version: 2, family: 4, vip: '198.51.100.210', plen: 24 },
      { name: 'F_V3_4', vrid: 62, version: 3, family: 4, vip: '198.51.100.211', plen: 24 },
      { name: 'F_V3_6', vrid: 63, version: 3, family: 6, vip: '2001:db8::210', plen: 64 },
    ];
    const doc = hacoreConfig(
      inst.map((i) => ({ name: i.name, vrid: i.vrid, version: i.version, priority: PRIORITY, advertInterval: '1s', virtualAddresses: [`${i.vip}/${i.plen}`], garpMasterDelay: '0' })),
      { plugins: ['@hacore/checker-icmp'], checks: [{ name: 'ping-c', type: 'icmp', address: lab.addr4('c'), interval: '500ms', timeout: '400ms', fall: 2, rise: 1 }] },
    );
    const d = await lab.startHacore(r, doc);
    const records = [];
    let buf = '';
    d.child.stdout.on('data', (x) => {
      buf += x;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          records.push(JSON.parse(l));
        } catch {
          records.push({ msg: l });
        }
      }
    });
    const statusOf = async () => {
      const st = await lab.hacoreStatus(d);
      const vrrp = Object.values(st).find((x) => x?.vrrp?.instances)?.vrrp;
      const icmp = Object.values(st).find((x) => x?.icmp?.sockets)?.icmp;
      return { vrrp, icmp };
    };
    await waitFor(async () => (await statusOf()).vrrp?.instances?.every((i) => i.state === 'MASTER'), { timeoutMs: 60000, everyMs: 200, what: 'every fuzz instance Master' });
    await waitFor(() => records.some((l) => l.msg === 'check ping-c is up'), { timeoutMs: 30000, everyMs: 100, what: 'the ICMP check up' });
    const kids = await childPids(d.pid);
    const roles = {};
    for (const p of kids) roles[(await procInfo(p))?.role] = p;
    const pidsBefore = { main: d.pid, vrrp: roles.vrrp, check: roles.check };
    log(`fuzz: hacore up in ${lab.lab.prefix} (pids ${JSON.stringify(pidsBefore)}), ${perDecoder} packets per decoder, seed ${seed}`);
    const fromLog = records.length;

    const link6 = await lab.link6('c');
    const decoders = [
      ...inst.map((i) => ({ kind: 'vrrp', name: `vrrp-v${i.version}-ipv${i.family}`, version: i.version, family: i.family, vrid: i.vrid, intervalMs: 1000, vips: [i.vip], routerPriority: PRIORITY, src: i.family === 4 ? lab.addr4('c') : link6 })),
      { kind: 'icmp', name: 'icmp-echo-reply-ipv4', family: 4, src: lab.addr4('c'), dst: lab.addr4(r), dstMac: lab.mac(r) },
    ];
    const sender = lab.lab.spawn('c', process.execPath, [path.join(here, 'fuzz-sender.mjs'), JSON.stringify({ seed, srcMac: lab.mac('c'), decoders })], { stdio: ['pipe', 'pipe', 'pipe'] });
    let sbuf = '';
    const replies = [];
    let wake;
    sender.stdout.on('data', (x) => {
      sbuf += x;
      let i;
      while ((i = sbuf.indexOf('\n')) >= 0) {
        replies.push(JSON.parse(sbuf.slice(0, i)));
        sbuf = sbuf.slice(i + 1);
        wake?.();
      }
    });
    const ask = (cmd) =>
      new Promise((resolve, reject) => {
        const onExit = (c) => reject(new Error(`fuzz sender exited (${c})`));
        sender.once('exit', onExit);
        wake = () => {
          if (!replies.length) return;
          sender.off('exit', onExit);
          wake = undefined;
          resolve(replies.shift());
        };
        sender.stdin.write(JSON.stringify(cmd) + '\n');
      });

    const before = await statusOf();
    const results = [];
    for (const [di, dec] of decoders.entries()) {
      const pid = dec.kind === 'icmp' ? pidsBefore.check : pidsBefore.vrrp;
      const proto = dec.kind === 'icmp' ? 1 : 112;
      const kernelBefore = sum((await rawSockets(pid, dec.family, proto)).map((s) => s.drops));
      const st0 = await statusOf();
      const started = Date.now();
      let sent = 0;
      let filtered = 0;
      while (sent < perDecoder) {
        const rep = await ask({ d: di, n: Math.min(CHUNK, perDecoder - sent) });
        sent += rep.sent;
        filtered += rep.filtered;
        // Wait for the daemon to read what is queued (bounded: a stuck reader is a finding, not a hang).
        const until = Date.now() + 5000;
        while ((await rawSockets(pid, dec.family, proto)).some((s) => s.rxQueue > 0) && Date.now() < until) await new Promise((res) => setImmediate(res));
        if (sent % 100000 < CHUNK) log(`fuzz: ${dec.name} ${sent}/${perDecoder}`);
      }
      await new Promise((res) => setTimeout(res, 300));
      const st1 = await statusOf();
      const kernelDrops = sum((await rawSockets(pid, dec.family, proto)).map((s) => s.drops)) - kernelBefore;
      const res = { decoder: dec.name, sent, seconds: Math.round((Date.now() - started) / 100) / 10, kernelRcvbufDrops: kernelDrops };
      if (dec.kind === 'vrrp') {
        const sock = (s) => s.vrrp.sockets.find((x) => x.family === dec.family);
        const onSock = inst.filter((i) => i.family === dec.family).map((i) => i.name);
        const insts = (s) => s.vrrp.instances.filter((i) => onSock.includes(i.name));
        const read = sock(st1).received - sock(st0).received;
        const socketDrops = diff(sock(st1).drops, sock(st0).drops);
        const instDrops = {};
        let accepted = 0;
        for (const i1 of insts(st1)) {
          const i0 = insts(st0).find((x) => x.name === i1.name);
          for (const [k, v] of Object.entries(diff(i1.counters?.drops ?? i1.drops, i0.counters?.drops ?? i0.drops))) instDrops[k] = (instDrops[k] ?? 0) + v;
          accepted += (i1.counters?.advertsReceived ?? i1.advertsReceived ?? 0) - (i0.counters?.advertsReceived ?? i0.advertsReceived ?? 0);
        }
        const counted = sumValues(socketDrops) + sumValues(instDrops) + accepted;
        Object.assign(res, { kernelFilterDrops: filtered, readByHacore: read, droppedBySocket: socketDrops, droppedByInstance: instDrops, acceptedLowerPriority: accepted });
        // Every packet hacore read is counted once: dropped for a reason, or taken in.
        if (counted !== read) breaches.push(`${dec.name}: hacore read ${read} packets but counted ${counted} (drops by reason + accepted)`);
        // What reached the socket: everything sent but what the kernel filter or a full buffer dropped
        // (the filter lets one in 64 of its drops through, to count them: up to `filtered` more).
        const expected = sent - filtered - kernelDrops;
        if (read < expected || read > expected + filtered) breaches.push(`${dec.name}: sent ${sent}, kernel filter ${filtered}, buffer drops ${kernelDrops}, but hacore read ${read}`);
      } else {
        const s0 = Object.values(st0.icmp.sockets).find((x) => x.family === 4);
        const s1 = Object.values(st1.icmp.sockets).find((x) => x.family === 4);
        const delta = diff(s1, s0);
        const read = (delta.received ?? 0) - (delta.matched ?? 0);
        Object.assign(res, { kernelFilterDrops: filtered, readByHacore: read, counters: delta });
        const counted = sum(['ignored', 'late', 'unknown', 'payloadMismatch', 'sourceMismatch', 'errors'].map((k) => delta[k] ?? 0));
        if (counted !== read) breaches.push(`${dec.name}: the ICMP socket read ${read} fuzz packets but counted ${counted} by reason`);
        if (read !== sent - filtered - kernelDrops) breaches.push(`${dec.name}: sent ${sent}, kernel filter ${filtered}, buffer drops ${kernelDrops}, but hacore read ${read}`);
      }
      log(`fuzz: ${JSON.stringify(res)}`);
      results.push(res);
    }
    const classes = (await ask({ report: true })).report;
    for (const c of classes) Object.assign(results.find((x) => x.decoder === c.name), { classes: c.classes, lowered: c.lowered, sendErrors: c.sendErrors });

    // The daemon: same processes, no error, same states, the check never down.
    const after = await statusOf();
    const kidsAfter = await childPids(d.pid);
    const rolesAfter = {};
    for (const p of kidsAfter) rolesAfter[(await procInfo(p))?.role] = p;
    if (!d.alive) breaches.push(`hacore exited: ${d.output.slice(-500)}`);
    if (rolesAfter.vrrp !== pidsBefore.vrrp || rolesAfter.check !== pidsBefore.check) breaches.push(`a child restarted: before ${JSON.stringify(pidsBefore)}, after ${JSON.stringify(rolesAfter)}`);
    const bad = records.slice(fromLog).filter((l) => (l.level ?? 30) >= 50 || /error while handling|is down|->/.test(`${l.msg}`));
    if (bad.length) breaches.push(`the daemon logged during the fuzz: ${bad.slice(0, 5).map((l) => l.msg).join(' | ')}`);
    const states = (s) => s.vrrp.instances.map((i) => `${i.name}:${i.state}:${i.counters?.transitions ?? i.transitions}`).join(' ');
    if (states(after) !== states(before)) breaches.push(`instance states changed: ${states(before)} -> ${states(after)}`);
    for (const i of inst) if (!(await lab.holders(i.vip)).includes(r)) breaches.push(`${i.vip} no longer held`);
    return { seed, perDecoder, seconds: Math.round((Date.now() - t0) / 1000), decoders: results, breaches };
  } finally {
    await lab.destroy();
  }
}
