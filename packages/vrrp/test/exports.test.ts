import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as vrrp from '../src/index.js';

it('the package entry exports the pure protocol half (README: usable as a library)', () => {
  for (const name of ['encodeVrrp', 'decodeVrrp', 'validateIpv4Packet', 'validateIpv6Packet', 'VrrpStateMachine', 'gratuitousArpFrame', 'internetChecksum', 'DROP_REASONS', 'VrrpPlugin']) {
    assert.equal(typeof (vrrp as Record<string, unknown>)[name] !== 'undefined', true, `${name} is exported`);
  }
});
