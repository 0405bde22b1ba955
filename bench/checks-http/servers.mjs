// Listens on `addrs` x `ports` loopback endpoints (127.0.<a>.<b>:port) and
// answers every request with a fixed 1 KiB HTTP page, then closes (as a
// server does for `Connection: close`; with keepAlive=1, only when asked).
// Raw net, not node:http, so that the servers' own cost stays small next to
// the checker's on a shared machine. Prints "ready <md5 of the page>" once
// all listen.
import { createHash } from 'node:crypto';
import net from 'node:net';

const [addrs, ports, basePort, keepAlive] = process.argv.slice(2).map(Number);
const page = Buffer.alloc(1024, 'hacore bench page. ');
const head = (close) => `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${page.length}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;
const closing = Buffer.concat([Buffer.from(head(true)), page]);
const staying = Buffer.concat([Buffer.from(head(false)), page]);
let pending = addrs * ports;
for (let a = 0; a < addrs; a++) {
  const host = `127.0.${1 + Math.floor(a / 250)}.${1 + (a % 250)}`;
  for (let p = 0; p < ports; p++) {
    const s = net.createServer((c) => {
      c.on('error', () => {});
      // GET requests have no body: each end of headers is one request. A
      // request saying Connection: close (the checker's default) is answered
      // and the connection closed; otherwise it is kept (keepAlive servers).
      let buf = '';
      c.on('data', (d) => {
        buf += d.toString('latin1');
        let end;
        while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
          const req = buf.slice(0, end);
          buf = buf.slice(end + 4);
          if (!keepAlive || /\r\nconnection: *close/i.test(req)) return c.end(closing);
          c.write(staying);
        }
      });
    });
    s.listen({ host, port: basePort + p, backlog: 511 }, () => {
      if (--pending === 0) process.stdout.write(`ready ${createHash('md5').update(page).digest('hex')}\n`);
    });
  }
}
