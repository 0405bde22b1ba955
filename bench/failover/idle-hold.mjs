// Holds one idle hacore Master (v3, --interval ms, VRID 52) in a lab for --seconds and prints
// its vrrp child's PID, for profiling by hand (perf record -p PID, strace -p PID):
//   node bench/failover/idle-hold.mjs [--seconds 60] [--interval 100] [--node-args=--perf-basic-prof]
// Root, after `npm run build`; on demand only.
import { parseArgs } from 'node:util';
import { VrrpLab, VIP4B, hacoreConfig } from '../../test/lib/vrrp-lab.mjs';
import { vrrpChildPid } from '../../test/lib/vrrp-scenario.mjs';

const { values: o } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, interval: { type: 'string', default: '100' }, 'node-args': { type: 'string', default: '' } } });
const lab = await VrrpLab.create('hvih', { routers: 1 });
process.once('SIGINT', () => void lab.destroy().then(() => process.exit(130)));
try {
  const nodeArgs = o['node-args'].split(' ').filter(Boolean);
  const hc = await lab.startHacore('r1', hacoreConfig([{ name: 'VI_1', vrid: 52, version: 3, priority: 150, advertInterval: `${o.interval}ms`, virtualAddresses: [`${VIP4B}/24`] }]), { nodeArgs });
  await lab.waitHolder(VIP4B, 'r1', 20000);
  console.log(`vrrp child ${await vrrpChildPid(lab, hc)} supervisor ${hc.pid}`);
  await new Promise((r) => setTimeout(r, Number(o.seconds) * 1000));
  await lab.stop(hc);
} finally {
  await lab.destroy();
}
