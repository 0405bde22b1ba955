/**
 * A restarted `vrrp` child hears about a check only at its next state change:
 * the supervisor relays events, it does not replay them. Until the core replays
 * the last `target-state` of each check to a new child, the child asks the
 * daemon's control socket for `status` once after it starts and takes the
 * states of the tracked checks that are still unknown from the `check` child's
 * document. A relayed event that arrives meanwhile is newer and wins.
 */
import net from 'node:net';

export interface TargetStateLite {
  check: string;
  state: string;
}

/** One `{"cmd":"status"}` over the control socket; resolves with the result or rejects. */
export function requestStatus(file: string, timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(file);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('control socket timeout'));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.once('connect', () => sock.write('{"cmd":"status"}\n'));
    sock.on('data', (c: string) => (buf += c));
    sock.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.once('end', () => {
      clearTimeout(timer);
      try {
        const r = JSON.parse(buf) as { ok?: boolean; result?: unknown };
        if (r.ok) resolve(r.result);
        else reject(new Error('control socket refused status'));
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

/** The up/down targets in a statusAll document (every role's `targets`). */
export function targetsFromStatus(doc: unknown): TargetStateLite[] {
  const out: TargetStateLite[] = [];
  if (typeof doc !== 'object' || doc === null) return out;
  for (const role of Object.values(doc as Record<string, unknown>)) {
    const targets = (role as { targets?: unknown } | null)?.targets;
    if (!Array.isArray(targets)) continue;
    for (const t of targets as { check?: unknown; state?: unknown }[]) {
      if (typeof t?.check === 'string' && (t.state === 'up' || t.state === 'down')) out.push({ check: t.check, state: t.state });
    }
  }
  return out;
}

/**
 * Tries a few times (the supervisor may still be opening its socket) and hands
 * each known check state to `apply`. Never throws; stops when `cancelled()`.
 */
export async function seedFromControlSocket(
  file: string,
  apply: (check: string, state: 'up' | 'down') => void,
  cancelled: () => boolean,
  attempts = 5,
): Promise<number> {
  for (let i = 0; i < attempts && !cancelled(); i++) {
    try {
      const doc = await requestStatus(file);
      if (cancelled()) return 0;
      const ts = targetsFromStatus(doc);
      for (const t of ts) apply(t.check, t.state as 'up' | 'down');
      return ts.length;
    } catch {
      await new Promise((r) => setTimeout(r, 500 * (i + 1)));
    }
  }
  return 0;
}
