import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { scanControlSocket } from '../src/config/control-socket-scan.js';

describe('scanControlSocket', () => {
  it('answers the plain cases as a YAML parser reads them', () => {
    const cases: [string, string | undefined][] = [
      ['plugins: []\nchecks: []\n', undefined],
      ['controlSocket: /run/x/h.sock\n', '/run/x/h.sock'],
      ['controlSocket: "/run/q.sock"   # quoted\n', '/run/q.sock'],
      ["controlSocket: '/run/s.sock'\r\n", '/run/s.sock'],
      ['controlSocket: /run/c.sock # a comment\nplugins: []\n', '/run/c.sock'],
    ];
    for (const [text, want] of cases) {
      const got = scanControlSocket(text, 'yaml');
      assert.equal(got, want, text);
      assert.equal(got, (parse(text) as { controlSocket?: string } | null)?.controlSocket, `agrees with yaml: ${text}`);
    }
  });

  it('hands everything unusual to the parser', () => {
    for (const text of [
      'controlSocket: /tmp/a b.sock\n',                  // a plain scalar with a space: fine YAML, but not scanned
      'x:\n  controlSocket: /nested\n',                   // not top level
      'controlSocket: /a\ncontrolSocket: /b\n',            // twice
      '# controlSocket: /old\ncontrolSocket: /new\n',      // twice, once in a comment
      'controlSocket: ~\n',
      'controlSocket: 12\n',
      'controlSocket: "/with\\"escape"\n',
      'controlSocket: *anchor\n',
      '---\ncontrolSocket: /doc\n',
      '{ controlSocket: /flow }\n',
      'controlSocket:\n  /next-line\n',
      'controlSocket: ""\n',
    ]) assert.equal(scanControlSocket(text, 'yaml'), 'parse', text);
  });

  it('reads JSON with JSON.parse, and a broken file is left to the parser', () => {
    assert.equal(scanControlSocket('{"controlSocket": "/run/j.sock", "checks": []}', 'json'), '/run/j.sock');
    assert.equal(scanControlSocket('{"checks": []}', 'json'), undefined);
    assert.equal(scanControlSocket('{"controlSocket": 1}', 'json'), 'parse');
    assert.equal(scanControlSocket('{"controlSocket": "/x",', 'json'), 'parse');
  });
});
