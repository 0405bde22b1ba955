import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GenericEvent as HacoreEvent } from '@hacore/core';
import { jobFor } from '../src/dispatch.js';
import type { NotifyConfig } from '../src/config.js';

const base: NotifyConfig = {
  instances: { VI_1: { notifyMaster: { argv: ['/m'] }, notify: { argv: ['/n', 'x'] } }, '*': { notifyFault: { argv: ['/any-fault'] } } },
  groups: { G1: { notifyBackup: { argv: ['/gb'] }, notify: { argv: ['/gn'] } } },
  virtualServers: { web: { quorumDown: { argv: ['/qd'] }, realServers: { '*': { notifyDown: { argv: ['/rsd'] } } } } },
  checks: {},
  events: {},
  timeout: 1000,
  killGrace: 100,
  maxOutputBytes: 10,
  maxQueuedPerKey: 4,
  concurrency: 1,
  scriptSecurity: true,
  fifoChecks: false,
};
const at = { time: 1, origin: 'single' as const };

test('VRRP instance: specific script, then generic with the four keepalived arguments', () => {
  const ev: HacoreEvent = { ...at, kind: 'vrrp-transition', instance: 'VI_1', vrid: 1, from: 'BACKUP', to: 'MASTER', priority: 150, reason: 'r' };
  const job = jobFor(ev, base);
  assert.equal(job?.key, 'INSTANCE/VI_1');
  assert.deepEqual(job?.commands.map((c) => c.argv), [['/m'], ['/n', 'x', 'INSTANCE', 'VI_1', 'MASTER', '150']]);
  assert.equal(job?.fifoLine, 'INSTANCE "VI_1" MASTER 150');
});

test('an unlisted instance uses "*"; INIT notifies nothing', () => {
  const ev: HacoreEvent = { ...at, kind: 'vrrp-transition', instance: 'other', vrid: 2, from: 'MASTER', to: 'FAULT', priority: 0, reason: 'r' };
  assert.deepEqual(jobFor(ev, base)?.commands.map((c) => c.argv), [['/any-fault']]);
  assert.equal(jobFor({ ...ev, to: 'INIT' }, base), undefined);
});

test('a group passes priority 0', () => {
  const ev: HacoreEvent = { ...at, kind: 'vrrp-group-transition', group: 'G1', from: 'MASTER', to: 'BACKUP', reason: 'r' };
  const job = jobFor(ev, base);
  assert.deepEqual(job?.commands.map((c) => c.argv), [['/gb'], ['/gn', 'GROUP', 'G1', 'BACKUP', '0']]);
  assert.equal(job?.fifoLine, 'GROUP "G1" BACKUP 0');
});

test('real servers and quorum', () => {
  const rs: HacoreEvent = { ...at, kind: 'real-server', virtualServer: 'web', realServer: '198.51.100.11:80', up: false, weight: 0, reason: 'r' };
  assert.deepEqual(jobFor(rs, base)?.commands.map((c) => c.argv), [['/rsd']]);
  assert.equal(jobFor(rs, base)?.key, 'VS/web', 'one serial key per virtual server: real servers and quorum in order');
  assert.deepEqual(jobFor({ ...rs, up: true }, base)?.commands, []);
  const q: HacoreEvent = { ...at, kind: 'quorum', virtualServer: 'web', up: false, liveWeight: 0, quorum: 1 };
  assert.deepEqual(jobFor(q, base)?.commands.map((c) => c.argv), [['/qd']]);
  assert.equal(jobFor(q, base)?.fifoLine, 'VS web DOWN');
});

test('kinds without scripts give nothing', () => {
  assert.equal(jobFor({ ...at, kind: 'daemon', what: 'start' }, base), undefined);
});

test('a script by event kind runs for any kind, after the keepalived-style scripts', () => {
  const cfg: NotifyConfig = { ...base, events: { 'redis-role': { argv: ['/role'] }, quorum: { argv: ['/q'] } } };
  const own = jobFor({ ...at, kind: 'redis-role', node: 'r1', role: 'master' }, cfg);
  assert.equal(own?.key, 'EVENT/redis-role');
  assert.deepEqual(own?.commands.map((c) => c.argv), [['/role']]);
  const q = jobFor({ ...at, kind: 'quorum', virtualServer: 'web', up: false, liveWeight: 0, quorum: 1 }, cfg);
  assert.deepEqual(q?.commands.map((c) => c.argv), [['/qd'], ['/q']]);
  assert.equal(jobFor({ ...at, kind: 'redis-role', node: 'r1', role: 'master' }, base), undefined);
});
