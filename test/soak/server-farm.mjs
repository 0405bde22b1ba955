// The real servers of the soak lab, run in their own namespace: N servers on
// consecutive ports, even ports HTTP (200 "ok" on GET /health), odd ports a TCP
// line service (answers "PONG\n" to "PING\n"), half bound on the IPv4 address and
// half on the IPv6 one. Commands on stdin, one JSON line each, acknowledged on stdout:
//   {"op":"stop","i":3}   close the listener and every connection (refused)
//   {"op":"hang","i":3}   accept and never answer
//   {"op":"up","i":3}     serve normally again
//   node server-farm.mjs ADDR4 ADDR6 BASEPORT COUNT
import http from 'node:http';
import net from 'node:net';
import { createInterface } from 'node:readline';

const [addr4, addr6, basePort, count] = process.argv.slice(2);
const servers = [];

function spec(i) {
  return { i, port: Number(basePort) + i, host: i % 4 < 2 ? addr4 : addr6, kind: i % 2 === 0 ? 'http' : 'tcp' };
}

class Server {
  constructor(s) {
    Object.assign(this, s);
    this.mode = 'down';
    this.sockets = new Set();
    this.server = undefined;
  }
  onConn(sock) {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => {});
    if (this.mode === 'hang') return; // accepted, never answered
    if (this.kind === 'tcp') {
      let buf = '';
      sock.on('data', (d) => {
        buf += d;
        if (buf.includes('\n')) sock.end('PONG\n');
      });
    }
  }
  async listen() {
    const srv = this.kind === 'http'
      ? http.createServer((req, res) => {
          if (this.mode === 'hang') return;
          res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
          res.end('ok\n');
        })
      : net.createServer();
    srv.on('connection', (s) => this.onConn(s));
    if (this.kind === 'http') srv.keepAliveTimeout = 1000;
    await new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen({ host: this.host, port: this.port, exclusive: true }, resolve);
    });
    this.server = srv;
  }
  async set(mode) {
    if (mode === 'stop') {
      if (this.server) {
        const s = this.server;
        this.server = undefined;
        for (const c of this.sockets) c.destroy();
        await new Promise((r) => s.close(r));
      }
      this.mode = 'down';
      return;
    }
    if (mode === 'hang' || mode === 'up') {
      this.mode = mode;
      if (mode === 'up') for (const c of this.sockets) c.destroy(); // hung connections end
      if (!this.server) await this.listen();
    }
  }
}

for (let i = 0; i < Number(count); i++) servers.push(new Server(spec(i)));
await Promise.all(servers.map((s) => s.set('up')));
process.stdout.write(JSON.stringify({ ready: servers.map(({ i, port, host, kind }) => ({ i, port, host, kind })) }) + '\n');

const rl = createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  let m;
  try {
    m = JSON.parse(line);
    await servers[m.i].set(m.op);
    process.stdout.write(JSON.stringify({ ack: m.id, i: m.i, op: m.op }) + '\n');
  } catch (err) {
    process.stdout.write(JSON.stringify({ ack: m?.id, error: String(err) }) + '\n');
  }
});
rl.on('close', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
