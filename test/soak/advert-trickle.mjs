// In the client: a slow trickle of adverts that must change nothing: every EVERY_MS
// one frame, cycling through, for each instance, a bad checksum and a TTL/hop limit
// of 1 (both claiming priority 254: taken in, either would make the master yield)
// and a valid advert of priority 10 (lower than every router: the master answers it
// at most once per interval, a backup ignores it). Bounded by MAX_S seconds.
//   node advert-trickle.mjs EVERY_MS MAX_S SRC4 SRC6 SRCMAC INSTANCES_JSON
// INSTANCES_JSON: [{vrid, version, intervalMs, vips}]. Prints {"sent": {...}} at the end.
import { readFileSync } from 'node:fs';
import { PacketSocket } from '@hacore/native';
import { advertFrame } from './vrrp-frames.mjs';

const [everyMs, maxS, src4, src6, srcMac, json] = process.argv.slice(2);
const instances = JSON.parse(json);
const ifindex = Number(readFileSync('/sys/class/net/eth0/ifindex', 'utf8'));
const sock = PacketSocket.open();
const kinds = ['checksum', 'ttl', 'lower'];
const sent = { checksum: 0, ttl: 0, lower: 0, errors: 0 };
let i = 0;
const end = Date.now() + Number(maxS) * 1000;

function frame(inst, kind) {
  const v6 = inst.vips[0].includes(':');
  const f = advertFrame({
    version: inst.version,
    vrid: inst.vrid,
    prio: kind === 'lower' ? 10 : 254,
    intervalMs: inst.intervalMs,
    vips: inst.vips,
    src: v6 ? src6 : src4,
    srcMac,
    ttl: kind === 'ttl' ? 1 : 255,
  });
  if (kind === 'checksum') f[f.length - inst.vips.length * (v6 ? 16 : 4) - (inst.version === 2 ? 8 : 0) - 2] ^= 0x5a;
  return f;
}

const timer = setInterval(() => {
  if (Date.now() > end) return stop();
  const inst = instances[Math.floor(i / kinds.length) % instances.length];
  const kind = kinds[i % kinds.length];
  i++;
  try {
    sock.sendFrame(ifindex, frame(inst, kind));
    sent[kind]++;
  } catch {
    sent.errors++;
  }
}, Number(everyMs));

function stop() {
  clearInterval(timer);
  sock.close();
  process.stdout.write(JSON.stringify({ sent }) + '\n', () => process.exit(0));
}
process.on('SIGTERM', stop);
