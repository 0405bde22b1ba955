// Sends `count` VRRPv3 adverts for VRIDs `from`..`to` (round robin) out of eth0 to
// 224.0.0.18, `batch` at a time every `every` ms. Run inside the client namespace.
//   node flood-sender.mjs --src A --count 20000 --from 100 --to 199 --batch 10 --every 2
import { parseArgs } from 'node:util';
import { LINUX, RawSocket } from '@hacore/native';
import { encodeVrrp } from '../../packages/vrrp/dist/src/codec.js';

const { values: o } = parseArgs({
  options: {
    src: { type: 'string' },
    count: { type: 'string', default: '20000' },
    from: { type: 'string', default: '100' },
    to: { type: 'string', default: '199' },
    batch: { type: 'string', default: '10' },
    every: { type: 'string', default: '2' },
  },
});
const from = Number(o.from);
const span = Number(o.to) - from + 1;
const msgs = Array.from({ length: span }, (_, i) => Buffer.from(encodeVrrp({ version: 3, vrid: from + i, priority: 100, adverInt: 10, addresses: ['203.0.113.9'] }, { family: 4, src: o.src, dst: '224.0.0.18' })));
const sock = RawSocket.open(4, LINUX.IPPROTO_VRRP);
sock.setMulticastHops(255);
sock.bindToDevice('eth0');
const count = Number(o.count);
const batch = Number(o.batch);
const every = Number(o.every);
const t0 = performance.now();
for (let sent = 0, round = 0; sent < count; round++) {
  for (let j = 0; j < batch && sent < count; j++, sent++) sock.sendTo(msgs[sent % span], '224.0.0.18');
  const wait = t0 + (round + 1) * every - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
sock.close();
console.log(JSON.stringify({ sent: count, ms: Math.round(performance.now() - t0) }));
