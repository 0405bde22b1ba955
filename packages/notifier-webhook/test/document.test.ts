import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GenericEvent } from '@hacore/core';
import { makeDocument, retryableStatus, serialize, SCHEMA_ID } from '../src/document.js';
import { redactUrl } from '../src/endpoint.js';

test('which statuses are retried', () => {
  for (const s of [408, 429, 500, 502, 503]) assert.equal(retryableStatus(s), true, String(s));
  for (const s of [400, 401, 403, 404, 422]) assert.equal(retryableStatus(s), false, String(s));
});

test('the document has exactly the documented fields', () => {
  const ev: GenericEvent = { kind: 'quorum', virtualServer: 'web', up: false, liveWeight: 0, quorum: 2, time: 5, origin: 'check' };
  const doc = JSON.parse(serialize(makeDocument(ev, 'lb1'), new Date(0)));
  assert.deepEqual(Object.keys(doc), ['schema', 'id', 'host', 'sentAt', 'event']);
  assert.equal(doc.schema, SCHEMA_ID);
  assert.equal(doc.sentAt, '1970-01-01T00:00:00.000Z');
  assert.deepEqual(doc.event, ev);
});

test('status URLs carry no credentials or query', () => {
  assert.equal(redactUrl('https://u:p@hooks.example:8443/x/y?token=s#f'), 'https://hooks.example:8443/x/y');
});
