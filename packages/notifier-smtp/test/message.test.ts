import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseServer } from '../src/config.js';
import { EventKinds } from '@hacore/core';
import { formatMail } from '../src/message.js';

test('smtp server forms, keepalived\'s "host port" included', () => {
  assert.deepEqual(parseServer('mail.example.com'), { host: 'mail.example.com', port: 25 });
  assert.deepEqual(parseServer('198.51.100.5:2525'), { host: '198.51.100.5', port: 2525 });
  assert.deepEqual(parseServer('198.51.100.5 2525'), { host: '198.51.100.5', port: 2525 });
  assert.deepEqual(parseServer('[2001:db8::5]:587'), { host: '2001:db8::5', port: 587 });
  assert.deepEqual(parseServer('2001:db8::5'), { host: '2001:db8::5', port: 25 });
  assert.equal(parseServer('host:99999'), undefined);
  assert.equal(parseServer(''), undefined);
});

test('the subject and body come from the event kind\'s declaration; an undeclared kind still reads', () => {
  const events = new EventKinds();
  events.declare('test', {
    kind: 'real-server',
    description: 'x',
    describe: (e) => ({ title: `Realserver ${String(e.realServer)} of virtual server ${String(e.virtualServer)}`, change: e.up ? 'UP' : 'DOWN', detail: `=> CHECK failed on service: ${String(e.reason)} <=` }),
  });
  const at = { time: 0, origin: 'check' as const };
  const rs = formatMail({ ...at, kind: 'real-server', virtualServer: 'web', realServer: '198.51.100.11:80', up: false, weight: 0, reason: 'timeout' }, events, 'lb', 'h');
  assert.equal(rs?.subject, '[lb] Realserver 198.51.100.11:80 of virtual server web - DOWN');
  assert.match(rs?.text ?? '', /CHECK failed on service: timeout/);
  assert.match(rs?.text ?? '', /time: 1970-01-01T00:00:00.000Z/);
  const check = formatMail({ ...at, kind: 'target-state', check: 'web', type: 'tcp', target: { address: '198.51.100.1', port: 80 }, from: 'up', to: 'down', reason: 'timeout' }, events, 'lb', 'h');
  assert.equal(check?.subject, '[lb] Check web (tcp 198.51.100.1:80) - DOWN');
  const other = formatMail({ ...at, kind: 'redis-role', node: 'r1', role: 'master' }, events, 'lb', 'h');
  assert.equal(other?.subject, '[lb] Event redis-role - redis-role');
  assert.match(other?.text ?? '', /node=r1 role=master/);
});
