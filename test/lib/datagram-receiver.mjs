// An AF_UNIX datagram socket for tests (Node has none): a python3 receiver that
// prints each datagram base64-encoded; the messages are kept as text (`messages`)
// and as bytes (`raw`), for sd_notify, journald's native protocol and syslog.
import { spawn } from 'node:child_process';

/** Binds `socketPath`; `bound` resolves once it is; `next(from, pred, what)` awaits a message after index `from`. */
export function datagramReceiver(socketPath) {
  const py = [
    'import base64, socket, sys',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
    's.bind(sys.argv[1])',
    'print("bound", flush=True)',
    'while True:',
    '    print(base64.b64encode(s.recv(262144)).decode(), flush=True)',
  ].join('\n');
  const proc = spawn('python3', ['-c', py, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages = [];
  const raw = [];
  const waiters = [];
  let buf = '';
  let onBound;
  const bound = new Promise((r) => (onBound = r));
  proc.stdout.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line === 'bound') { onBound(); continue; }
      const bytes = Buffer.from(line, 'base64');
      raw.push(bytes);
      messages.push(bytes.toString('utf8'));
      for (const w of [...waiters]) w();
    }
  });
  /** Resolves with the first message after index `from` matching `pred`, and its index. */
  const next = (from, pred, what, timeoutMs = 15_000) => new Promise((resolve, reject) => {
    const check = () => {
      const i = messages.findIndex((m, k) => k >= from && pred(m, raw[k]));
      if (i < 0) return false;
      waiters.splice(waiters.indexOf(check), 1);
      clearTimeout(t);
      resolve({ i, m: messages[i], raw: raw[i] });
      return true;
    };
    const t = setTimeout(() => {
      waiters.splice(waiters.indexOf(check), 1);
      reject(new Error(`no ${what} datagram; got ${JSON.stringify(messages.slice(-20))}`));
    }, timeoutMs);
    waiters.push(check);
    check();
  });
  return { proc, bound, messages, raw, next };
}

/** Parses one datagram of journald's native protocol into { FIELD: value } (the binary form for values with newlines too). */
export function parseJournalEntry(bytes) {
  const out = {};
  let i = 0;
  while (i < bytes.length) {
    const nl = bytes.indexOf(10, i);
    const line = bytes.subarray(i, nl < 0 ? bytes.length : nl).toString('utf8');
    const eq = line.indexOf('=');
    if (eq >= 0) {
      out[line.slice(0, eq)] = line.slice(eq + 1);
      i = nl < 0 ? bytes.length : nl + 1;
    } else {
      const len = Number(bytes.readBigUInt64LE(nl + 1));
      out[line] = bytes.subarray(nl + 9, nl + 9 + len).toString('utf8');
      i = nl + 9 + len + 1;
    }
  }
  return out;
}
