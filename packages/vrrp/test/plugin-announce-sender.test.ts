import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnnounceSender, type AnnounceTarget } from '../src/announce-sender.js';
import { gratuitousArpFrame, unsolicitedNeighborAdvertFrame } from '../src/announce-frames.js';
import { formatMac } from '../src/mac.js';

const MAC = Uint8Array.from([0x02, 0x68, 0x6c, 0x61, 0x62, 0x0b]);
const T4: AnnounceTarget = { family: 4, address: '198.51.100.200', ifindex: 7, ifname: 'eth0', mac: MAC };
const T6: AnnounceTarget = { family: 6, address: '2001:db8::200', ifindex: 7, ifname: 'eth0', mac: MAC };

function recorder(): { sent: { at: number; ifindex: number; frame: Uint8Array }[]; send: (i: number, f: Uint8Array) => void } {
  const sent: { at: number; ifindex: number; frame: Uint8Array }[] = [];
  return { sent, send: (ifindex, frame) => sent.push({ at: performance.now(), ifindex, frame }) };
}

const build = (t: AnnounceTarget): Uint8Array => (t.family === 4 ? gratuitousArpFrame(t.address, formatMac(t.mac)) : unsolicitedNeighborAdvertFrame(t.address, formatMac(t.mac)));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('AnnounceSender', () => {
  it('sends `repeat` GARPs and NAs at once, the same again after masterDelay, then stops', async () => {
    const rec = recorder();
    const s = new AnnounceSender(build, (err) => assert.fail(err), rec.send);
    const t0 = performance.now();
    s.start(() => [T4, T6], { repeat: 5, masterDelay: 80, interval: 0, refreshRepeat: 1 });
    assert.equal(rec.sent.length, 10, 'first burst is synchronous');
    assert.deepEqual(s.counters, { garpSent: 5, naSent: 5, errors: 0 });
    // The frames are keepalived's: ARP ethertype for the GARP, IPv6 for the NA.
    assert.equal(rec.sent.filter((x) => x.frame[12] === 0x08 && x.frame[13] === 0x06).length, 5);
    assert.equal(rec.sent.filter((x) => x.frame[12] === 0x86 && x.frame[13] === 0xdd).length, 5);
    assert.ok(rec.sent.every((x) => x.ifindex === 7));
    await sleep(200);
    assert.equal(rec.sent.length, 20, 'second burst after masterDelay');
    const second = rec.sent.slice(10);
    assert.ok(second.every((x) => x.at - t0 >= 75), 'not before the delay');
    await sleep(150);
    assert.equal(rec.sent.length, 20, 'nothing more without refresh');
    s.stop();
  });

  it('spaces packets by `interval` and refreshes periodically until stopped', async () => {
    const rec = recorder();
    const s = new AnnounceSender(build, (err) => assert.fail(err), rec.send);
    s.start(() => [T4], { repeat: 3, masterDelay: 0, interval: 30, refresh: 100, refreshRepeat: 1 });
    assert.equal(rec.sent.length, 1);
    await sleep(90);
    assert.equal(rec.sent.length, 3, 'three packets, 30 ms apart');
    const gaps = rec.sent.slice(1).map((x, i) => x.at - rec.sent[i]!.at);
    assert.ok(gaps.every((g) => g >= 25), `gaps ${gaps.map(Math.round)}`);
    await sleep(250);
    const refreshed = rec.sent.length - 3;
    assert.ok(refreshed >= 2 && refreshed <= 3, `refresh sent ${refreshed} in ~250 ms at 100 ms`);
    s.stop();
    const n = rec.sent.length;
    await sleep(250);
    assert.equal(rec.sent.length, n, 'stop() cancels every timer');
  });

  it('stop() before the delayed burst cancels it; announce() only works while active', async () => {
    const rec = recorder();
    const s = new AnnounceSender(build, (err) => assert.fail(err), rec.send);
    s.start(() => [T4], { repeat: 2, masterDelay: 50, interval: 0, refreshRepeat: 1 });
    s.stop();
    s.announce([T4], 1, 0);
    await sleep(120);
    assert.equal(rec.sent.length, 2);
  });

  it('a failing send is counted and reported, and the others still go', () => {
    const errors: string[] = [];
    let n = 0;
    const s = new AnnounceSender(build, (err, t) => errors.push(`${t.address}: ${err.message}`), () => {
      if (n++ % 2 === 0) throw new Error('ENETDOWN');
    });
    s.start(() => [T4, T6], { repeat: 2, masterDelay: 0, interval: 0, refreshRepeat: 1 });
    s.stop();
    assert.equal(s.counters.errors, 2);
    assert.equal(s.counters.garpSent + s.counters.naSent, 2);
    assert.equal(errors.length, 2);
  });

  it('repeat 0 sends nothing', () => {
    const rec = recorder();
    const s = new AnnounceSender(build, () => {}, rec.send);
    s.start(() => [T4, T6], { repeat: 0, masterDelay: 10, interval: 0, refreshRepeat: 1 });
    s.stop();
    assert.equal(rec.sent.length, 0);
  });
});
