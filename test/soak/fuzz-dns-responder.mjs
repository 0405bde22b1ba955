// The DNS fuzzer's fake server, in its own lab namespace: answers each query (UDP and
// TCP, port 53) with a burst of fuzzed replies and then what the plan in the query's
// name says (fuzz-dns-frames.mjs). A line "count" on stdin prints what it has sent.
//   node fuzz-dns-responder.mjs JSON   ({seed, address, maxBurst})
import dgram from 'node:dgram';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { dnsFuzzer, finalReply, parseQuery, planOf } from './fuzz-dns-frames.mjs';
import { Rng } from './rng.mjs';

const o = JSON.parse(process.argv[2]);
const root = new Rng(o.seed);
const udpFuzz = dnsFuzzer(root.fork('dns-udp'));
const tcpFuzz = dnsFuzzer(root.fork('dns-tcp'));
const rng = root.fork('dns-burst');
const n = { udpQueries: 0, udpSent: 0, udpFinals: 0, tcpQueries: 0, tcpSent: 0, tcpFinals: 0, unparsed: 0, sendErrors: 0 };

const udp = dgram.createSocket('udp4');
udp.on('message', (q, rinfo) => {
  const p = parseQuery(q);
  if (!p) return void n.unparsed++;
  n.udpQueries++;
  const replies = udpFuzz.burst(p, rng.int(1, o.maxBurst));
  const fin = finalReply(p, planOf(p.name), false);
  if (fin) {
    replies.push(fin);
    n.udpFinals++;
  }
  for (const r of replies) {
    n.udpSent++;
    udp.send(r, rinfo.port, rinfo.address, (err) => err && n.sendErrors++);
  }
});
udp.bind(53, o.address);

const tcp = net.createServer((c) => {
  let got = Buffer.alloc(0);
  c.on('error', () => {});
  c.on('data', (chunk) => {
    got = Buffer.concat([got, chunk]);
    if (got.length < 2 || got.length < 2 + got.readUInt16BE(0)) return;
    const p = parseQuery(got.subarray(2, 2 + got.readUInt16BE(0)));
    if (!p) return void c.destroy();
    n.tcpQueries++;
    const replies = tcpFuzz.burst(p, rng.int(0, Math.ceil(o.maxBurst / 4)));
    const fin = finalReply(p, planOf(p.name), true);
    if (fin) {
      replies.push(fin);
      n.tcpFinals++;
    }
    const framed = replies.map((r) => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(r.length);
      return Buffer.concat([len, r]);
    });
    n.tcpSent += replies.length;
    c.end(Buffer.concat(framed));
  });
});
tcp.listen(53, o.address);

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'stop') process.exit(0);
  process.stdout.write(`${JSON.stringify({ ...n, classes: { udp: udpFuzz.counts, tcp: tcpFuzz.counts } })}\n`);
});
await Promise.all([new Promise((r) => udp.once('listening', r)), new Promise((r) => tcp.once('listening', r))]);
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
