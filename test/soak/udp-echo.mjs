// In a router: a UDP echo bound to each VIP (non-local bind), answering every probe
// with "NAME SEQ" so the client knows which router served it.
//   node udp-echo.mjs NAME PORT ADDR...
import dgram from 'node:dgram';

const [name, port, ...addrs] = process.argv.slice(2);
let pending = addrs.length;
for (const a of addrs) {
  const s = dgram.createSocket({ type: a.includes(':') ? 'udp6' : 'udp4' });
  s.on('error', () => {});
  s.on('message', (m, r) => s.send(`${name} ${m}`, r.port, r.address));
  s.bind({ address: a, port: Number(port), exclusive: true }, () => {
    if (--pending === 0) process.stdout.write(`listening ${addrs.join(' ')}\n`);
  });
}
process.on('SIGTERM', () => process.exit(0));
