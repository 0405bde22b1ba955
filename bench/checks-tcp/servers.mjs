// Listens on `count` loopback endpoints (127.0.<a>.<b>:port) and accepts and
// closes every connection. Prints "ready" once all listen.
import net from 'node:net';

const [addrs, ports, basePort] = process.argv.slice(2).map(Number);
let pending = addrs * ports;
for (let a = 0; a < addrs; a++) {
  const host = `127.0.${1 + Math.floor(a / 250)}.${1 + (a % 250)}`;
  for (let p = 0; p < ports; p++) {
    const s = net.createServer((c) => c.destroy());
    s.listen({ host, port: basePort + p, backlog: 511 }, () => {
      if (--pending === 0) process.stdout.write('ready\n');
    });
  }
}
