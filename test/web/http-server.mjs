// A tiny real server for the console test: `node http-server.mjs ADDRESS PORT`, answers 200 "ok".
import http from 'node:http';

const [address, port] = process.argv.slice(2);
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok\n');
});
server.listen(Number(port), address, () => process.stdout.write(`listening ${address}:${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
