// A TCP server for the VRRP lab: answers every connection with the host's name
// and closes. Usage: node vrrp-echo-server.mjs NAME PORT ADDR... (non-local bind
// must be on in the namespace so that a VIP not yet present can be bound).
import { createServer } from 'node:net';

const [name, port, ...addrs] = process.argv.slice(2);
let pending = addrs.length;
const servers = addrs.map((a) => {
  const s = createServer((c) => {
    c.on('error', () => {});
    c.end(`${name}\n`);
  });
  s.listen({ host: a, port: Number(port), exclusive: true }, () => {
    if (--pending === 0) process.stdout.write(`listening ${addrs.join(' ')}\n`);
  });
  return s;
});
const stop = () => {
  for (const s of servers) s.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
