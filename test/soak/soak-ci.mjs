// The soak and chaos suite in CI (docs/reliability.md): one short run per fixed seed
// (one test file per seed, soak-*.test.mjs, so that each file stays inside the test
// runner's per-file timeout), about three minutes of faults in all. Each run must end with no invariant breached
// (the bounds are the RFC's plus the slack stated in faults.mjs and scenario.mjs, not
// tuned to this machine), with faults of every planned kind actually injected, and
// with nothing left behind: no namespace of its lab, no process it started, no
// nftables table.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import test from 'node:test';
import { sh } from '../lib/lab.mjs';
import { skipHacore } from '../lib/vrrp-scenario.mjs';
import { runSoak } from './scenario.mjs';

const skip = skipHacore(['ip', 'nft']);

/**
 * Fixed seeds, a minute each; the kinds are split so that together they inject every
 * VRRP-side fault (a minute holds five or six), the last run draws from all of them.
 */
export const CI_SEEDS = [
  { seed: 42, profile: 'two', minutes: 1, kinds: ['sigstop', 'packet-loss', 'link-down', 'reload-invalid'] },
  { seed: 20261207, profile: 'three', minutes: 1, kinds: ['kill-vrrp', 'kill-check', 'kill-daemon', 'reload-valid'] },
  { seed: 1717, profile: 'two', minutes: 1 },
];

/** PIDs whose command line names the lab's namespaces or its temp dir. */
async function leftoverProcesses(prefix, dir) {
  const out = [];
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    const cmd = (await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
    if (cmd.includes(`${prefix}-`) || (dir && cmd.includes(dir))) out.push(`${p}: ${cmd.slice(0, 160)}`);
  }
  return out;
}

/** The CI test of one entry of CI_SEEDS. */
export function soakTest({ seed, profile, minutes, kinds }) {
  test(`soak seed ${seed}, ${profile} routers, ${minutes} min${kinds ? `, ${kinds.join(' ')}` : ''}: no invariant breached, nothing left behind`, { skip, timeout: 175000 }, async () => {
    const report = await runSoak({ seed, profile, minutes, servers: 20, ...(kinds ? { kinds } : {}), log: (s) => process.stdout.write(`# ${s}\n`) });
    const summary = JSON.stringify({ faults: report.faults, counts: report.counts, maxTakeoverMs: report.maxTakeoverMs, maxClientOutageMs: report.maxClientOutageMs }, null, 1);
    process.stdout.write(`# ${summary.replaceAll('\n', ' ')}\n`);
    assert.deepEqual(report.breaches, [], `breaches (replay: node test/soak/run.mjs --seed ${seed} --profile ${profile} --minutes ${minutes} --servers 20${kinds ? ` --kinds ${kinds.join(',')}` : ''})`);
    // The run did what it claims: it sampled the holders all along and injected faults.
    assert.ok(report.counts.holderChecks > minutes * 60 * 100, `holder checks: ${report.counts.holderChecks}`);
    const vrrpFaults = Object.entries(report.faults).filter(([k]) => !k.startsWith('server-')).reduce((a, [, n]) => a + n, 0);
    assert.ok(vrrpFaults >= 3, `VRRP-side faults injected: ${JSON.stringify(report.faults)}`);
    for (const k of kinds ?? []) assert.ok(report.faults[k] > 0, `no ${k} injected: ${JSON.stringify(report.faults)}`);
    assert.ok(report.notifiers.logged > 0 && report.notifiers.matched.webhook === report.notifiers.logged - report.notifiers.excused.webhook, `notifiers: ${JSON.stringify(report.notifiers)}`);
    // Nothing left behind (the runner checks addresses and rules in the routers before
    // the namespaces go; here: the namespaces, the processes, the switch's tables).
    const ns = (await sh('ip', ['netns', 'list'])).split('\n').filter((l) => l.startsWith(report.lab.prefix));
    assert.deepEqual(ns, [], 'namespaces left');
    assert.deepEqual(await leftoverProcesses(report.lab.prefix, report.lab.dir), [], 'processes left');
  });
}
