import assert from 'node:assert/strict';
import { KaConfError, parseKeepalivedText, translate } from '../src/index.js';

/** Translates a keepalived.conf text read as /etc/keepalived/keepalived.conf with config id lb1. */
export function tr(text: string, lenient = false) {
  return translate(parseKeepalivedText(text, { configId: 'lb1', name: '/etc/keepalived/keepalived.conf' }), { lenient });
}

/** The error a refused file gives (fails the test if it is accepted). */
export function refused(text: string): KaConfError {
  try {
    tr(text);
  } catch (err) {
    assert.ok(err instanceof KaConfError);
    return err;
  }
  assert.fail('expected the file to be refused');
}
