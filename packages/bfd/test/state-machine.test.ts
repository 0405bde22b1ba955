import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BfdDiag, BfdSession, BfdState, decodeControl, encodeControl, type SessionAction } from '../src/index.js';

/** Two sessions on a simulated link in virtual time (ms); the link can be cut. */
class Sim {
  now = 0;
  up = true;
  private queue: { at: number; seq: number; run: () => void }[] = [];
  private seq = 0;
  private timers = new Map<string, number>();
  readonly log: { at: number; who: string; from: BfdState; to: BfdState; diag: BfdDiag }[] = [];
  readonly sent: { at: number; who: string; poll: boolean; final: boolean; desiredMinTx: number; state: BfdState }[] = [];
  constructor(readonly s: Record<'a' | 'b', BfdSession>) {}
  private at(t: number, run: () => void): number {
    const seq = ++this.seq;
    this.queue.push({ at: t, seq, run });
    return seq;
  }
  apply(who: 'a' | 'b', actions: SessionAction[]): void {
    const other = who === 'a' ? 'b' : 'a';
    for (const a of actions) {
      if (a.type === 'send') {
        this.sent.push({ at: this.now, who, poll: a.packet.poll, final: a.packet.final, desiredMinTx: a.packet.desiredMinTx, state: a.packet.state });
        if (!this.up) continue;
        const wire = encodeControl(a.packet);
        this.at(this.now + 1, () => {
          const p = decodeControl(wire);
          assert.ok(typeof p === 'object');
          this.apply(other, this.s[other].receive(p).actions);
        });
      } else if (a.type === 'state') this.log.push({ at: this.now, who, from: a.from, to: a.to, diag: a.diag });
      else {
        const key = `${who}/${a.type}`;
        if (a.ms === undefined) this.timers.delete(key);
        else {
          const id = this.at(this.now + a.ms, () => {
            if (this.timers.get(key) !== id) return;
            this.timers.delete(key);
            this.apply(who, a.type === 'tx-timer' ? this.s[who].txTimer() : this.s[who].detectTimer());
          });
          this.timers.set(key, id);
        }
      }
    }
  }
  run(until: number): void {
    for (;;) {
      this.queue.sort((x, y) => x.at - y.at || x.seq - y.seq);
      const e = this.queue[0];
      if (!e || e.at > until) break;
      this.queue.shift();
      this.now = e.at;
      e.run();
    }
    this.now = until;
  }
}

const fast = { desiredMinTx: 50_000, requiredMinRx: 50_000, detectMult: 3 };

function pair(seed = 1): Sim {
  let x = seed;
  const rnd = (): number => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const sim = new Sim({ a: new BfdSession({ ...fast, localDiscr: 1 }, rnd), b: new BfdSession({ ...fast, localDiscr: 2 }, rnd) });
  sim.apply('a', sim.s.a.start());
  sim.apply('b', sim.s.b.start());
  return sim;
}

describe('BFD session state machine (RFC 5880 6.8.6)', () => {
  it('two sessions go Down -> Init -> Up, or Down -> Up, and end Up with the poll finished at 50 ms', () => {
    const sim = pair();
    sim.run(5000);
    assert.equal(sim.s.a.sessionState, BfdState.Up);
    assert.equal(sim.s.b.sessionState, BfdState.Up);
    for (const who of ['a', 'b']) {
      const path = sim.log.filter((l) => l.who === who).map((l) => `${BfdState[l.from]}>${BfdState[l.to]}`);
      assert.ok(['Down>Init,Init>Up', 'Down>Up'].includes(path.join(',')), path.join(','));
    }
    const v = sim.s.a.variables();
    assert.equal(v.pollActive, false);
    assert.equal(v.txInterval, 50_000);
    assert.equal(v.detectionTime, 150_000);
    // a Poll went out at coming Up and a Final answered it
    assert.ok(sim.sent.some((p) => p.who === 'a' && p.poll));
    assert.ok(sim.sent.some((p) => p.who === 'b' && p.final));
  });

  it('slow start: every packet sent while not Up advertises at least 1 s, and the rate stays at 1 s', () => {
    const sim = pair(7);
    sim.run(5000);
    for (const p of sim.sent) if (p.state !== BfdState.Up) assert.ok(p.desiredMinTx >= 1_000_000, JSON.stringify(p));
    const aDown = sim.sent.filter((p) => p.who === 'a' && p.state !== BfdState.Up && !p.final);
    for (let i = 1; i < aDown.length; i++) assert.ok(aDown[i]!.at - aDown[i - 1]!.at >= 0, 'ordered');
  });

  it('jitter: periodic packets come 75-100 % of the interval apart once Up', () => {
    const sim = pair(3);
    sim.run(5000);
    const from = sim.sent.length;
    sim.run(10_000);
    const a = sim.sent.slice(from).filter((p) => p.who === 'a' && !p.final);
    assert.ok(a.length > 90);
    for (let i = 1; i < a.length; i++) {
      const gap = a[i]!.at - a[i - 1]!.at;
      assert.ok(gap >= 37.5 - 1e-9 && gap <= 50 + 1e-9, `gap ${gap}`);
    }
  });

  it('a cut link is detected Down (control detection time expired) within the detection time, 150 ms at 50 ms x 3', () => {
    const sim = pair(5);
    sim.run(5000);
    sim.up = false;
    const cut = sim.now;
    sim.run(cut + 1000);
    const downs = sim.log.filter((l) => l.to === BfdState.Down && l.at > cut);
    assert.equal(downs.length, 2);
    for (const d of downs) {
      assert.equal(d.diag, BfdDiag.ControlDetectionTimeExpired);
      assert.ok(d.at - cut <= 151, `detected after ${d.at - cut} ms`);
    }
    // back to 1 s and discriminator 0 after the expiry
    assert.equal(sim.s.a.variables().remoteDiscr, 0);
    assert.equal(sim.s.a.variables().desiredMinTx, 1_000_000);
    sim.up = true;
    sim.run(sim.now + 10_000);
    assert.equal(sim.s.a.sessionState, BfdState.Up);
  });

  it('AdminDown on one side takes the other Down with diag 3 (neighbor signaled session down)', () => {
    const sim = pair(9);
    sim.run(5000);
    sim.apply('a', sim.s.a.setAdminDown(true));
    sim.run(sim.now + 200);
    assert.equal(sim.s.a.sessionState, BfdState.AdminDown);
    assert.equal(sim.s.b.sessionState, BfdState.Down);
    assert.equal(sim.log.at(-1)!.diag, BfdDiag.NeighborSignaledSessionDown);
  });

  it('discards an authenticated packet and one with a foreign your-discriminator', () => {
    const s = new BfdSession({ ...fast, localDiscr: 5 });
    const p = decodeControl(encodeControl({ diag: 0, state: BfdState.Down, poll: false, final: false, detectMult: 3, myDiscr: 9, yourDiscr: 0, desiredMinTx: 1e6, requiredMinRx: 1e6, requiredMinEchoRx: 0 }));
    assert.ok(typeof p === 'object');
    assert.equal(s.receive({ ...p, auth: true }).discarded, 'authentication not configured');
    assert.equal(s.receive({ ...p, yourDiscr: 6 }).discarded, 'your discriminator not ours');
    assert.equal(s.receive({ ...p, state: BfdState.Up }).discarded, 'your discriminator zero while not down');
    assert.equal(s.receive(p).discarded, undefined);
    assert.equal(s.sessionState, BfdState.Init);
  });

  it('answers a Poll with a Final at once', () => {
    const s = new BfdSession({ ...fast, localDiscr: 5 });
    const p = decodeControl(encodeControl({ diag: 0, state: BfdState.Down, poll: true, final: false, detectMult: 3, myDiscr: 9, yourDiscr: 0, desiredMinTx: 1e6, requiredMinRx: 1e6, requiredMinEchoRx: 0 }));
    assert.ok(typeof p === 'object');
    const sends = s.receive(p).actions.filter((a) => a.type === 'send');
    assert.equal(sends.length, 1);
    assert.ok(sends[0]!.type === 'send' && sends[0]!.packet.final && !sends[0]!.packet.poll);
  });
});
