// The packet fuzzer (docs/reliability.md): a router running hacore (three VRRP instances,
// one per decoder: v2 IPv4, v3 IPv4, v3 IPv6, all Master, an ICMP check, and three BFD
// sessions: one Up with a live peer in the client namespace per family, one to an
// absent IPv4 neighbour)
// and a client that sends it mutated and random frames through a packet socket, so that
// they take the daemon's real receive path (kernel, raw or UDP socket, kernel filter,
// transport, decoder, validation). The runner sends in chunks and waits for the socket's queue to empty
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

/** Rows of /proc/PID/net/udp{,6} for one local port: [{rxQueue, drops}]. */
async function udpSockets(pid, family, port) {
  const text = await readFile(`/proc/${pid}/net/udp${family === 6 ? '6' : ''}`, 'utf8').catch(() => '');
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c.length > 12 && c[1].endsWith(`:${hex}`))
    .map((c) => ({ rxQueue: parseInt(c[4].split(':')[1], 16), drops: Number(c.at(-1)) }));
}

/** A child that answers each line written to its stdin with one JSON line (undefined: write nothing, take the next line). */
export function lineClient(child) {
  let buf = '';
  const waiting = [];
  child.stdout.on('data', (x) => {
    buf += x;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      waiting.shift()?.resolve(JSON.parse(line));
    }
  });
  child.once('exit', (c) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`child exited (${c})`));
  });
  return (line) =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null) return reject(new Error(`child exited (${child.exitCode})`));
      waiting.push({ resolve, reject });
      if (line !== undefined) child.stdin.write(`${line}\n`);
    });
}

const BFD_ABSENT = '198.51.100.240';
const BFD_STRANGER = '198.51.100.241';
const BFD_STRANGER6 = '2001:db8::f1';
const BFD_PEER_DISCR = 0x46555a5a;

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
      {
        plugins: ['@hacore/checker-icmp', '@hacore/bfd'],
        // The ICMP decoder's count is per raw socket: with check workers every worker's socket
        // (and the check process's) reads its own copy of each packet. One process, one socket.
        checkWorkers: 1,
        checks: [{ name: 'ping-c', type: 'icmp', address: lab.addr4('c'), interval: '500ms', timeout: '400ms', fall: 2, rise: 1 }],
        // 300 ms x 10: a 3 s detection time, so that a machine busy with the fuzz cannot time the live session out.
        bfd: {
          instances: [
            { name: 'F_BFD_LIVE', neighbor: lab.addr4('c'), source: lab.addr4(r), minRx: '300ms', minTx: '300ms', multiplier: 10 },
            { name: 'F_BFD_ABSENT', neighbor: BFD_ABSENT, source: lab.addr4(r), minRx: '300ms', minTx: '300ms', multiplier: 10 },
            { name: 'F_BFD_LIVE6', neighbor: lab.addr6('c'), source: lab.addr6(r), minRx: '300ms', minTx: '300ms', multiplier: 10 },
          ],
        },
      },
    );
    // The absent neighbour resolves to a MAC nobody has: its session's packets go nowhere
    // quietly, where a failed ARP would make ICMP host-unreachable errors that the ICMP
    // check's raw socket reads (and the ICMP decoder's count would be off by them).
    await lab.lab.ip(r, ['neigh', 'replace', BFD_ABSENT, 'lladdr', '02:00:00:00:00:f0', 'nud', 'permanent', 'dev', 'eth0']);
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
      const bfd = Object.values(st).find((x) => x?.bfd?.sessions)?.bfd;
      return { vrrp, icmp, bfd };
    };
    // The live peers, one per family, in the client namespace.
    const peers = {};
    for (const [family, session, peer, local] of [[4, 'F_BFD_LIVE', lab.addr4(r), lab.addr4('c')], [6, 'F_BFD_LIVE6', lab.addr6(r), lab.addr6('c')]]) {
      const child = lab.lab.spawn('c', process.execPath, [path.join(here, 'fuzz-bfd-peer.mjs'), JSON.stringify({ peer, local, localDiscr: BFD_PEER_DISCR + family, desiredMinTx: 300_000, requiredMinRx: 300_000, detectMult: 10 })], { stdio: ['pipe', 'pipe', 'pipe'] });
      peers[session] = lineClient(child);
    }
    // Up on both sides and past the slow start and its Poll Sequence: each peer sends the same packet from now on.
    await waitFor(async () => {
      const st = (await statusOf()).bfd;
      for (const [session, ask] of Object.entries(peers)) {
        const p = await ask('status');
        const live = st?.sessions?.find((x) => x.name === session);
        if (!(p.up && !p.variables.pollActive && p.variables.txInterval === 300_000 && live?.state === 'Up' && live.txIntervalMs === 300)) return false;
      }
      return true;
    }, { timeoutMs: 60000, everyMs: 200, what: 'the live BFD sessions Up at 300 ms' });
    await waitFor(async () => (await statusOf()).vrrp?.instances?.every((i) => i.state === 'MASTER'), { timeoutMs: 60000, everyMs: 200, what: 'every fuzz instance Master' });
    await waitFor(() => records.some((l) => l.msg === 'check ping-c is up'), { timeoutMs: 30000, everyMs: 100, what: 'the ICMP check up' });
    const kids = await childPids(d.pid);
    const roles = {};
    for (const p of kids) roles[(await procInfo(p))?.role] = p;
    const pidsBefore = { main: d.pid, vrrp: roles.vrrp, check: roles.check, bfd: roles.bfd };
    log(`fuzz: hacore up in ${lab.lab.prefix} (pids ${JSON.stringify(pidsBefore)}), ${perDecoder} packets per decoder, seed ${seed}`);
    const fromLog = records.length;

    const link6 = await lab.link6('c');
    const decoders = [
      ...inst.map((i) => ({ kind: 'vrrp', name: `vrrp-v${i.version}-ipv${i.family}`, version: i.version, family: i.family, vrid: i.vrid, intervalMs: 1000, vips: [i.vip], routerPriority: PRIORITY, src: i.family === 4 ? lab.addr4('c') : link6 })),
      { kind: 'icmp', name: 'icmp-echo-reply-ipv4', family: 4, src: lab.addr4('c'), dst: lab.addr4(r), dstMac: lab.mac(r) },
    ];
    const bfdAtStart = (await statusOf()).bfd;
    const peersAtStart = {};
    for (const [session, ask] of Object.entries(peers)) peersAtStart[session] = await ask('status');
    const bfdSessions = (family) => bfdAtStart.sessions.filter((x) => x.neighbor.includes(':') === (family === 6)).map((x) => ({ name: x.name, discr: x.localDiscr, peer: x.neighbor }));
    decoders.push(
      {
        kind: 'bfd', name: 'bfd-control-ipv4', family: 4, dst: lab.addr4(r), dstMac: lab.mac(r), sessions: bfdSessions(4),
        // Most from the live peer's address (where a mistake could change the session), the rest from the absent neighbour's and a stranger's.
        sources: [lab.addr4('c'), lab.addr4('c'), lab.addr4('c'), BFD_ABSENT, BFD_STRANGER],
        echo: { session: 'F_BFD_LIVE', packet: peersAtStart.F_BFD_LIVE.packet },
      },
      {
        kind: 'bfd', name: 'bfd-control-ipv6', family: 6, dst: lab.addr6(r), dstMac: lab.mac(r), sessions: bfdSessions(6),
        sources: [lab.addr6('c'), lab.addr6('c'), lab.addr6('c'), BFD_STRANGER6],
        echo: { session: 'F_BFD_LIVE6', packet: peersAtStart.F_BFD_LIVE6.packet },
      },
    );
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
    // What the BFD model's counts (known when the sender reports, at the end) are compared with.
    const pending = new Map();
    for (const [di, dec] of decoders.entries()) {
      const pid = dec.kind === 'icmp' ? pidsBefore.check : dec.kind === 'bfd' ? pidsBefore.bfd : pidsBefore.vrrp;
      const proto = dec.kind === 'icmp' ? 1 : 112;
      const sockets = () => (dec.kind === 'bfd' ? udpSockets(pid, dec.family, 3784) : rawSockets(pid, dec.family, proto));
      const kernelBefore = sum((await sockets()).map((s) => s.drops));
      const peer0 = dec.kind === 'bfd' ? await peers[dec.echo.session]('status') : undefined;
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
        while ((await sockets()).some((s) => s.rxQueue > 0) && Date.now() < until) await new Promise((res) => setImmediate(res));
        if (sent % 100000 < CHUNK) log(`fuzz: ${dec.name} ${sent}/${perDecoder}`);
      }
      await new Promise((res) => setTimeout(res, 300));
      const st1 = await statusOf();
      const peer1 = dec.kind === 'bfd' ? await peers[dec.echo.session]('status') : undefined;
      const kernelDrops = sum((await sockets()).map((s) => s.drops)) - kernelBefore;
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
      } else if (dec.kind === 'bfd') {
        const rx = (st) => st.bfd.receivers.find((x) => x.port === 3784 && x.family === dec.family);
        const sess = (st, name) => st.bfd.sessions.find((x) => x.name === name);
        const rx0 = rx(st0).counters;
        const rx1 = rx(st1).counters;
        const read = rx1.received - rx0.received;
        const decodeErrors = diff(rx1.decodeErrors, rx0.decodeErrors);
        const unknownSession = rx1.unknownSession - rx0.unknownSession;
        const sessions = {};
        for (const { name } of dec.sessions) {
          const c0 = sess(st0, name).counters;
          const c1 = sess(st1, name).counters;
          const dropped = c1.droppedSession - c0.droppedSession;
          sessions[name] = { ttl: c1.droppedTtl - c0.droppedTtl, decode: c1.droppedDecode - c0.droppedDecode, discards: diff(c1.discards, c0.discards), accepted: c1.received - c0.received - dropped, other: c1.droppedOther - c0.droppedOther };
        }
        // The live peer's own packets reach the same socket while the fuzz runs.
        const peerSent = peer1.counters.sent - peer0.counters.sent;
        Object.assign(res, { readByHacore: read, peerPackets: peerSent, decodeErrors, unknownSession, sessions });
        const counted = sumValues(decodeErrors) + unknownSession + sum(Object.values(sessions).map((x) => x.ttl + x.accepted + sumValues(x.discards)));
        if (counted !== read) breaches.push(`${dec.name}: the BFD socket read ${read} datagrams but counted ${counted} by reason`);
        const sessDecode = sum(Object.values(sessions).map((x) => x.decode)) + (rx1.droppedDecode - rx0.droppedDecode);
        if (sessDecode !== sumValues(decodeErrors)) breaches.push(`${dec.name}: ${sumValues(decodeErrors)} decode errors by reason, but ${sessDecode} counted by sessions and receiver`);
        pending.set(res, { read: sent + peerSent - kernelDrops, sessions, decodeErrors, unknownSession, peerSent, kernelDrops, echoSession: dec.echo.session });
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
    for (const c of classes) Object.assign(results.find((x) => x.decoder === c.name), { classes: c.classes, lowered: c.lowered, sendErrors: c.sendErrors, ...(c.expected ? { expected: c.expected } : {}) });
    for (const [res, got] of pending) {
      const e = res.expected;
      const exact = got.kernelDrops === 0;
      const check = (what, want, have) => {
        if (exact ? have !== want : have > want) breaches.push(`${res.decoder}: ${what}: the model expects ${want}, hacore counted ${have}`);
      };
      // The peer's packets cross the status snapshots a few at most; the fuzz frames must match exactly.
      if (Math.abs(res.readByHacore - got.read) > 3) breaches.push(`${res.decoder}: sent ${res.sent} + ${got.peerSent} from the live peer - ${got.kernelDrops} buffer drops, but hacore read ${res.readByHacore}`);
      for (const k of new Set([...Object.keys(e.decode), ...Object.keys(got.decodeErrors)])) check(`decode error ${k}`, e.decode[k] ?? 0, got.decodeErrors[k] ?? 0);
      check('unknown session', e.unknownSession, got.unknownSession);
      for (const [name, x] of Object.entries(got.sessions)) {
        check(`${name} TTL below 255`, e.ttl[name] ?? 0, x.ttl);
        for (const k of new Set([...Object.keys(x.discards), ...Object.keys(e.discards).filter((q) => q.startsWith(`${name}:`)).map((q) => q.slice(name.length + 1))])) check(`${name} discard ${k}`, e.discards[`${name}:${k}`] ?? 0, x.discards[k] ?? 0);
        const want = (e.echoed[name] ?? 0) + (name === got.echoSession ? got.peerSent : 0);
        if (Math.abs(x.accepted - want) > 3) breaches.push(`${res.decoder}: ${name} accepted ${x.accepted}, expected ${want} (the peer's and the fuzzer's copies of them)`);
        if (x.other) breaches.push(`${res.decoder}: ${name} droppedOther ${x.other}`);
      }
    }

    // The daemon: same processes, no error, same states, the check never down.
    const after = await statusOf();
    const kidsAfter = await childPids(d.pid);
    const rolesAfter = {};
    for (const p of kidsAfter) rolesAfter[(await procInfo(p))?.role] = p;
    if (!d.alive) breaches.push(`hacore exited: ${d.output.slice(-500)}`);
    if (rolesAfter.vrrp !== pidsBefore.vrrp || rolesAfter.check !== pidsBefore.check || rolesAfter.bfd !== pidsBefore.bfd) breaches.push(`a child restarted: before ${JSON.stringify(pidsBefore)}, after ${JSON.stringify(rolesAfter)}`);
    const bad = records.slice(fromLog).filter((l) => (l.level ?? 30) >= 50 || /error while handling|is down|->/.test(`${l.msg}`));
    if (bad.length) breaches.push(`the daemon logged during the fuzz: ${bad.slice(0, 5).map((l) => l.msg).join(' | ')}`);
    const states = (s) => s.vrrp.instances.map((i) => `${i.name}:${i.state}:${i.counters?.transitions ?? i.transitions}`).join(' ');
    if (states(after) !== states(before)) breaches.push(`instance states changed: ${states(before)} -> ${states(after)}`);
    for (const i of inst) if (!(await lab.holders(i.vip)).includes(r)) breaches.push(`${i.vip} no longer held`);
    const bfdStates = (b) => b.sessions.map((x) => `${x.name}:${x.state}:${x.transitions}:${x.remoteDiscr}`).join(' ');
    if (bfdStates(after.bfd) !== bfdStates(bfdAtStart)) breaches.push(`BFD sessions changed: ${bfdStates(bfdAtStart)} -> ${bfdStates(after.bfd)}`);
    for (const [session, ask] of Object.entries(peers)) {
      const a = peersAtStart[session];
      const b = await ask('status');
      if (b.transitions !== a.transitions || !b.up) breaches.push(`the live BFD peer of ${session} left Up: ${a.state}/${a.transitions} -> ${b.state}/${b.transitions}`);
    }
    return { seed, perDecoder, seconds: Math.round((Date.now() - t0) / 1000), decoders: results, breaches };
  } finally {
    await lab.destroy();
  }
}
