// In a router: the webhook receiver of that router's daemon, on loopback. Every
// request is printed as one JSON line {t, body}; answers 200 (or 503 to 1 request
// in FAIL_EVERY, to exercise the notifier's retries: a retried id must not be
// counted twice by the soak).
//   node webhook-receiver.mjs PORT FAIL_EVERY
import http from 'node:http';

const [port, failEvery] = process.argv.slice(2);
let n = 0;
const srv = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    n++;
    const fail = Number(failEvery) > 0 && n % Number(failEvery) === 0;
    if (!fail) process.stdout.write(JSON.stringify({ t: Date.now(), body }) + '\n');
    res.writeHead(fail ? 503 : 200);
    res.end();
  });
});
srv.listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => process.exit(0));
