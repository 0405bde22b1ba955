// The DNS fuzzer (docs/reliability.md): the DNS checker's probe, in one lab namespace,
// against a fake server in another that answers every query with a burst of mutated and
// random replies (wrong ids, not responses, other questions, truncated, bad counts,
// compression loops and pointers out of bounds, bad label types and record lengths, bit
// flips, random bytes, random records) and then, by the plan in the query's name, the
// real answer, a wrong one, SERVFAIL, a truncated one (TCP fallback) or nothing. It runs
// until the checker has read `replies` of them (more are sent: those that arrive after
// their probe ended are dropped by the kernel with the socket). Asserted: no crash, no uncaught error, no
// probe that rejects or ends without a reason, no pass unless the real answer was sent,
// and every reply the checker read is counted once, by reason; what it read equals what
// the kernel delivered (/proc/net/snmp of its namespace).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, waitFor } from '../lib/lab.mjs';
import { lineClient } from './fuzz.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const MODULE = path.resolve(here, '../../packages/checker-dns/dist/src/index.js');
const CHK = '198.51.100.1';
const DNS = '198.51.100.53';

async function udpSnmp(lab, host) {
  const text = await lab.exec(host, 'cat', ['/proc/net/snmp']);
  const [head, vals] = text.split('\n').filter((l) => l.startsWith('Udp:'));
  const k = head.split(/\s+/).slice(1);
  const v = vals.split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(k.map((x, i) => [x, v[i]]));
}

/**
 * @param {{replies: number, seed: number, concurrency?: number, log?: (s: string) => void}} opts
 */
export async function runDnsFuzz({ replies, seed, concurrency = 32, log = (s) => process.stdout.write(`${s}\n`) }) {
  const breaches = [];
  const lab = await Lab.create('fzdns', ['chk', 'dns'], { addresses: { chk: [`${CHK}/24`], dns: [`${DNS}/24`] } });
  const t0 = Date.now();
  try {
    const responder = lab.spawn('dns', process.execPath, [path.join(here, 'fuzz-dns-responder.mjs'), JSON.stringify({ seed, address: DNS, maxBurst: 60 })], { stdio: ['pipe', 'pipe', 'pipe'] });
    let errors = '';
    responder.stderr.on('data', (x) => (errors += x));
    const askServer = lineClient(responder);
    await askServer(undefined);
    const snmp0 = await udpSnmp(lab, 'chk');
    const driver = lab.spawn('chk', process.execPath, [path.join(here, 'fuzz-dns-driver.mjs'), JSON.stringify({ module: MODULE, server: DNS, seed, concurrency, timeoutMs: 400, retries: 1 })], { stdio: ['pipe', 'pipe', 'pipe'] });
    driver.stderr.on('data', (x) => (errors += x));
    const askDriver = lineClient(driver);
    log(`fuzz: dns: server ${DNS} in ${lab.ns('dns')}, checker in ${lab.ns('chk')}, ${replies} replies, seed ${seed}`);
    let mark = 0;
    // Counted as read by the checker (replies sent after a probe ended never reach it).
    await waitFor(async () => {
      const p = await askDriver('progress');
      const read = (p.stats.udpReplies ?? 0) + (p.stats.tcpReplies ?? 0);
      if (read >= mark) {
        log(`fuzz: dns ${read}/${replies} read by the checker`);
        mark += 100000;
      }
      return read >= replies;
    }, { timeoutMs: 60 * 60 * 1000, everyMs: 250, what: `${replies} DNS replies read by the checker` });
    const rep = await askDriver('stop');
    await new Promise((r) => setTimeout(r, 300));
    const server = await askServer('count');
    const snmp1 = await udpSnmp(lab, 'chk');
    const k = (name) => snmp1[name] - snmp0[name];
    const st = rep.stats;
    const read = st.udpReplies + st.tcpReplies;
    const counted = st.foreign + st.wrongId + st.wrongQuestion + st.malformed + st.late + st.tcpFallbacks + rep.settledByReply;
    const kernel = { delivered: k('InDatagrams'), noPort: k('NoPorts'), rcvbufErrors: k('RcvbufErrors'), inErrors: k('InErrors') };
    // Queued on a socket when its probe ended and closed it: freed by the kernel unread, counted nowhere else.
    kernel.queuedAtClose = server.udpSent - kernel.delivered - kernel.noPort - kernel.inErrors;
    const seconds = Math.round((Date.now() - t0) / 100) / 10;
    const result = {
      decoder: 'dns-replies', sent: server.udpSent + server.tcpSent, udpSent: server.udpSent, tcpSent: server.tcpSent, queries: { udp: server.udpQueries, tcp: server.tcpQueries },
      readByChecker: read, counted: { wrongId: st.wrongId, wrongQuestion: st.wrongQuestion, malformed: st.malformed, late: st.late, foreign: st.foreign, tcpFallbacks: st.tcpFallbacks, settledProbe: rep.settledByReply },
      kernel, probes: rep.probes, byPlan: rep.byPlan, reasons: rep.reasons, classes: server.classes, seconds,
    };
    if (counted !== read) breaches.push(`dns: the checker read ${read} replies but counted ${counted} by reason`);
    if (kernel.delivered !== st.udpReplies) breaches.push(`dns: the kernel delivered ${kernel.delivered} datagrams in the checker's namespace, the checker read ${st.udpReplies}`);
    if (server.unparsed) breaches.push(`dns: ${server.unparsed} queries the server could not parse`);
    breaches.push(...rep.breaches.map((b) => `dns: ${b}`));
    if (rep.breachCount > rep.breaches.length) breaches.push(`dns: ${rep.breachCount - rep.breaches.length} more breaches in the driver`);
    if (errors.trim()) breaches.push(`dns: the checker or server wrote to stderr: ${errors.slice(0, 500)}`);
    log(`fuzz: ${JSON.stringify(result)}`);
    return { seed, replies, seconds, decoders: [result], breaches };
  } finally {
    await lab.destroy();
  }
}
