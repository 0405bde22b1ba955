// UDP responders on `addrs` loopback addresses (127.0.<a>.<b>): on port <dnsPort>
// a minimal authoritative answer to any DNS query (the question echoed, QR+AA,
// NOERROR, no records), on port <echoPort> an echo. Prints "ready" once bound.
import dgram from 'node:dgram';

const [addrs, dnsPort, echoPort] = process.argv.slice(2).map(Number);
let pending = addrs * 2;
const ready = () => --pending === 0 && process.stdout.write('ready\n');
for (let a = 0; a < addrs; a++) {
  const host = `127.0.${1 + Math.floor(a / 250)}.${1 + (a % 250)}`;
  const dns = dgram.createSocket('udp4');
  dns.on('message', (q, r) => {
    if (q.length < 12) return;
    const a = Buffer.from(q);
    a[2] = 0x84 | (q[2] & 1);
    a[3] = 0;
    dns.send(a, r.port, r.address);
  });
  dns.bind(dnsPort, host, ready);
  const echo = dgram.createSocket('udp4');
  echo.on('message', (m, r) => echo.send(m, r.port, r.address));
  echo.bind(echoPort, host, ready);
}
