// A hostile network in front of a real DNS server, for the DNS checker tests.
// Listens on UDP <listen>:53, forwards each query to the real server <upstream>
// and, by the first label of the question:
//   wrongid.*  answers only with the reply's id changed (three times);
//   late.*     answers first with a wrong id, then with the real reply;
//   flood.*    tells the flooder (<flooder>:5999) the client's port and id, waits
//              300 ms, then sends the real reply.
//   anything else: the real reply.
// argv: listen upstream flooder. Prints "ready" when bound.
import dgram from 'node:dgram';

const [listen, upstream, flooder] = process.argv.slice(2);
const s = dgram.createSocket('udp4');
const up = dgram.createSocket('udp4');
const pending = new Map();
let nextId = 1;

function firstLabel(q) {
  const len = q[12] ?? 0;
  return q.subarray(13, 13 + len).toString('latin1').toLowerCase();
}

s.on('message', (q, rinfo) => {
  const id = nextId++ & 0xffff;
  pending.set(id, { q, rinfo });
  const fwd = Buffer.from(q);
  fwd.writeUInt16BE(id, 0);
  up.send(fwd, 53, upstream);
});
up.on('message', (reply) => {
  const p = pending.get(reply.readUInt16BE(0));
  if (!p) return;
  pending.delete(reply.readUInt16BE(0));
  const real = Buffer.from(reply);
  real.writeUInt16BE(p.q.readUInt16BE(0), 0);
  const wrong = Buffer.from(real);
  wrong.writeUInt16BE(p.q.readUInt16BE(0) ^ 0x5a5a, 0);
  const to = (b) => s.send(b, p.rinfo.port, p.rinfo.address);
  switch (firstLabel(p.q)) {
    case 'wrongid':
      for (let i = 0; i < 3; i++) to(wrong);
      break;
    case 'late':
      to(wrong);
      setTimeout(() => to(real), 50);
      break;
    case 'flood':
      s.send(JSON.stringify({ address: p.rinfo.address, port: p.rinfo.port, query: p.q.toString('base64') }), 5999, flooder);
      setTimeout(() => to(real), 300);
      break;
    default:
      to(real);
  }
});
up.bind(0, listen, () => s.bind(53, listen, () => console.log('ready')));
