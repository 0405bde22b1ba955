import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { KaConfError, braceExpand, parseKeepalivedConf, parseKeepalivedText, splitCommand, type KaNode } from '../src/index.js';

/** The tree without positions, for compact assertions. */
function shape(nodes: KaNode[]): unknown[] {
  return nodes.map((n) => (n.children ? [n.keyword, ...n.args, shape(n.children)] : [n.keyword, ...n.args]));
}

function parse(text: string, configId = 'lb1', files?: Record<string, string>): KaNode[] {
  return parseKeepalivedText(text, { configId, ...(files ? { files } : {}) }).nodes;
}

function expectError(fn: () => unknown, code: string, line?: number, re?: RegExp): KaConfError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof KaConfError, `expected a KaConfError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (line !== undefined) assert.equal(caught.line, line, caught.message);
  if (re) assert.match(caught.message, re);
  return caught;
}

test('comments with # and ! anywhere, not inside quotes', () => {
  assert.deepEqual(shape(parse('# top\n! also\nrouter_id a # tail\nx "b # c" ! d\n')), [['router_id', 'a'], ['x', 'b # c']]);
});

test('nested blocks, one-line blocks and a brace on the next line', () => {
  const t = parse('vrrp_instance A {\n  virtual_ipaddress { 198.51.100.1/24 dev eth0 }\n  track_script {\n    s1\n  }\n}\nvrrp_script s1\n{\n  script x\n}\n');
  assert.deepEqual(shape(t), [
    ['vrrp_instance', 'A', [['virtual_ipaddress', [['198.51.100.1/24', 'dev', 'eth0']]], ['track_script', [['s1']]]]],
    ['vrrp_script', 's1', [['script', 'x']]],
  ]);
  assert.equal(t[0]!.children![1]!.line, 3);
});

test('quoted strings join words and keep escapes', () => {
  assert.deepEqual(shape(parse(`a abcd" efg h "ijk 'x y' "t\\tab\\n" "q\\"q" '\\x41\\101'\n`)), [['a', 'abcd efg h ijk', 'x y', 't\tab\n', 'q"q', 'AA']]);
  assert.deepEqual(splitCommand(`/bin/echo 'a b' c "d e"`), ['/bin/echo', 'a b', 'c', 'd e']);
});

test('an unterminated quote is an error at its line', () => {
  expectError(() => parse('a b\nscript "/bin/true\nc d\n'), 'HACORE_ERR_KACONF_SYNTAX', 2, /unterminated quoted string/);
});

test('unbalanced braces: missing } names the opening line, an extra } its own', () => {
  expectError(() => parse('x {\n  y {\n  }\n'), 'HACORE_ERR_KACONF_SYNTAX', 1, /never closed/);
  expectError(() => parse('x {\n}\n}\n'), 'HACORE_ERR_KACONF_SYNTAX', 3, /closes no block/);
  expectError(() => parse('{\n'), 'HACORE_ERR_KACONF_SYNTAX', 1, /follows no keyword/);
});

test('@id and @^id select lines by config id', () => {
  const text = '@lb1 router_id one\n@lb2 router_id two\n@^lb1 other x\n@^lb2 other y\n';
  assert.deepEqual(shape(parse(text, 'lb1')), [['router_id', 'one'], ['other', 'y']]);
  assert.deepEqual(shape(parse(text, 'lb2')), [['router_id', 'two'], ['other', 'x']]);
});

test('$NAME definitions: $NAME before whitespace, ${NAME} anywhere, at use time, undefined kept', () => {
  const text = '$BASE=198.51.${SUB}\n$SUB=100\na ${BASE}.1/24 $SUB ${UNDEF} $UNDEF2\n$SUB=101\nb ${BASE}.2\n';
  assert.deepEqual(shape(parse(text)), [['a', '198.51.100.1/24', '100', '${UNDEF}', '$UNDEF2'], ['b', '198.51.101.2']]);
});

test('conditional definitions, and a definition holding a conditional', () => {
  const text = '@lb1 $PRIO=200\n@lb2 $PRIO=100\n$IF1=@lb1\npriority $PRIO\n$IF1 only here\n';
  assert.deepEqual(shape(parse(text, 'lb1')), [['priority', '200'], ['only', 'here']]);
  assert.deepEqual(shape(parse(text, 'lb2')), [['priority', '100']]);
});

test('multi-line definitions expand to several lines, conditionals inside them apply', () => {
  const text = ['$INST= \\', 'vrrp_instance VI_${N} { \\', '  @lb1 priority 200 \\', '  @lb2 priority 100 \\', '}', '$N=1', '$INST', '$N=2', '$INST'].join('\n');
  assert.deepEqual(shape(parse(text, 'lb2')), [
    ['vrrp_instance', 'VI_1', [['priority', '100']]],
    ['vrrp_instance', 'VI_2', [['priority', '100']]],
  ]);
  expectError(() => parse('$A= \\\nx \\'), 'HACORE_ERR_KACONF_DEFINITION', 1);
});

test('parameterised definitions', () => {
  const text = '$VIP(N,DEV)=198.51.100.${N}/24 dev $DEV\nvirtual_ipaddress {\n  ${VIP(5,eth0)}\n  $VIP(6, eth1)\n}\n';
  assert.deepEqual(shape(parse(text)), [['virtual_ipaddress', [['198.51.100.5/24', 'dev', 'eth0'], ['198.51.100.6/24', 'dev', 'eth1']]]]);
  expectError(() => parse('$V(A)=x\nk ${V}\n'), 'HACORE_ERR_KACONF_DEFINITION', 2, /takes 1 parameter/);
});

test('a definition that uses itself is an error, not a hang', () => {
  expectError(() => parse('$A=x ${A}\nk $A\n'), 'HACORE_ERR_KACONF_DEFINITION', 2);
  expectError(() => parse('$A=${B}\n$B=${A}\nk $A\n'), 'HACORE_ERR_KACONF_DEFINITION', 3);
});

test('pre-defined _PWD, _INSTANCE, _HASH, _BANG', () => {
  assert.deepEqual(shape(parse('a ${_PWD} ${_INSTANCE} ${_HASH}${_BANG}\n', 'lb9')), [['a', '/', 'lb9', '#!']]);
});

test('~SEQ, ~SEQx and ~LST replicate the rest of the line', () => {
  assert.deepEqual(shape(parse('~SEQ(N, 1, 3) a 198.51.100.${N}\n')), [['a', '198.51.100.1'], ['a', '198.51.100.2'], ['a', '198.51.100.3']]);
  assert.deepEqual(shape(parse('~SEQx(N, 0x9, 1, 0xb) a ${N}\n')), [['a', '9'], ['a', 'a'], ['a', 'b']]);
  assert.deepEqual(shape(parse('~SEQ(N, 3) a ${N}\n')), [['a', '1'], ['a', '2'], ['a', '3']]);
  assert.deepEqual(shape(parse('~SEQ(N, 5, -2, 1) a ${N}\n')), [['a', '5'], ['a', '3'], ['a', '1']]);
  assert.deepEqual(shape(parse('~LST({A,B},{1,2},{3,4}) ~SEQ(C,0,1) x ${A}.${B}.${C}\n')), [['x', '1.2.0'], ['x', '1.2.1'], ['x', '3.4.0'], ['x', '3.4.1']]);
  expectError(() => parse('~SEQ(N, 1, 0, 3) a\n'), 'HACORE_ERR_KACONF_SYNTAX', 1, /step of 0/);
  expectError(() => parse('~SEQ(N, 1, 3 a\n'), 'HACORE_ERR_KACONF_SYNTAX', 1);
  expectError(() => parseKeepalivedText('~SEQ(A,1,2000) ~SEQ(B,1,2000) x\n', { configId: 'x', maxStatements: 100_000 }), 'HACORE_ERR_KACONF_TOO_LARGE');
});

test('brace expansion', () => {
  assert.deepEqual(braceExpand('a{b,c{d,e}}f'), ['abf', 'acdf', 'acef']);
  assert.deepEqual(braceExpand('x{y}'), ['x{y}']);
});

test('include: globs relative to the including file, sorted, inside blocks; loops and missing files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kaconf-inc-'));
  try {
    mkdirSync(path.join(dir, 'conf.d'));
    writeFileSync(path.join(dir, 'main.conf'), 'global_defs {\n  include conf.d/g-*.conf\n}\ninclude conf.d/{b,a}.conf\n');
    writeFileSync(path.join(dir, 'conf.d', 'g-2.conf'), 'router_id two\n');
    writeFileSync(path.join(dir, 'conf.d', 'g-1.conf'), 'router_id one\n');
    writeFileSync(path.join(dir, 'conf.d', 'a.conf'), 'include sub/*.conf\nvrrp_instance A {\n}\n');
    writeFileSync(path.join(dir, 'conf.d', 'b.conf'), 'vrrp_instance B {\n}\n');
    const r = parseKeepalivedConf(path.join(dir, 'main.conf'), { configId: 'x' });
    assert.deepEqual(shape(r.nodes), [['global_defs', [['router_id', 'one'], ['router_id', 'two']]], ['vrrp_instance', 'B', []], ['vrrp_instance', 'A', []]]);
    assert.equal(r.files.length, 5);
    assert.equal(r.nodes[2]!.file, path.join(dir, 'conf.d', 'a.conf'));
    assert.deepEqual(r.nodes[2]!.chain, [{ file: path.join(dir, 'main.conf'), line: 4 }]);
    assert.equal(r.warnings.length, 1, 'sub/*.conf matches nothing: a warning');

    // A loop: a -> b -> a, reported with the chain of files.
    writeFileSync(path.join(dir, 'loop-a.conf'), 'x 1\ninclude loop-b.conf\n');
    writeFileSync(path.join(dir, 'loop-b.conf'), '\ninclude loop-a.conf\n');
    const e = expectError(() => parseKeepalivedConf(path.join(dir, 'loop-a.conf'), { configId: 'x' }), 'HACORE_ERR_KACONF_INCLUDE_LOOP', 2);
    assert.equal(e.file, path.join(dir, 'loop-b.conf'));
    assert.deepEqual(e.chain, [{ file: path.join(dir, 'loop-a.conf'), line: 2 }]);
    assert.match(e.message, /included from .*loop-a\.conf:2/);

    // A missing file: a warning for include (as keepalived), an error for includea/includem; an
    // error inside an included file carries the chain.
    writeFileSync(path.join(dir, 'missing.conf'), 'include nope.conf\nx 1\n');
    const lax = parseKeepalivedConf(path.join(dir, 'missing.conf'), { configId: 'x' });
    assert.equal(lax.nodes.length, 1);
    assert.match(lax.warnings[0]!.message, /nope\.conf is missing/);
    writeFileSync(path.join(dir, 'missing-a.conf'), 'includea nope.conf\n');
    expectError(() => parseKeepalivedConf(path.join(dir, 'missing-a.conf'), { configId: 'x' }), 'HACORE_ERR_KACONF_INCLUDE', 1, /nope\.conf/);
    writeFileSync(path.join(dir, 'missing-m.conf'), '\nincludem none-*.conf\n');
    expectError(() => parseKeepalivedConf(path.join(dir, 'missing-m.conf'), { configId: 'x' }), 'HACORE_ERR_KACONF_INCLUDE', 2, /no file matches/);
    writeFileSync(path.join(dir, 'outer.conf'), 'a {\ninclude inner.conf\n}\n');
    writeFileSync(path.join(dir, 'inner.conf'), 'b "unterminated\n');
    const e2 = expectError(() => parseKeepalivedConf(path.join(dir, 'outer.conf'), { configId: 'x' }), 'HACORE_ERR_KACONF_SYNTAX', 1);
    assert.equal(e2.file, path.join(dir, 'inner.conf'));
    assert.deepEqual(e2.chain, [{ file: path.join(dir, 'outer.conf'), line: 2 }]);
    expectError(() => parseKeepalivedConf(path.join(dir, 'does-not-exist.conf'), { configId: 'x' }), 'HACORE_ERR_KACONF_READ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a 10 MB file parses in bounded time', () => {
  const block = 'vrrp_instance VI_X {\n  interface eth0\n  virtual_ipaddress {\n    198.51.100.1/24 dev eth0\n  }\n}\n';
  const text = block.repeat(Math.ceil((10 * 1024 * 1024) / block.length));
  const t0 = performance.now();
  const r = parseKeepalivedText(text, { configId: 'x' });
  const ms = performance.now() - t0;
  assert.equal(r.nodes.length, Math.ceil((10 * 1024 * 1024) / block.length));
  assert.ok(ms < 20_000, `10 MB parsed in ${Math.round(ms)} ms`);
  expectError(() => parseKeepalivedText(text, { configId: 'x', maxBytes: 1024 * 1024 }), 'HACORE_ERR_KACONF_TOO_LARGE');
});

test('binary garbage: a NUL byte is refused with its line; other bytes are words', () => {
  expectError(() => parse('a\nb\n\x00\x01\x02'), 'HACORE_ERR_KACONF_BINARY', 3);
  const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 255 + 1)).toString('latin1');
  try {
    parse(bytes);
  } catch (err) {
    assert.ok(err instanceof KaConfError, String(err));
  }
});

test('property: the parser ends and throws nothing but KaConfError, whatever the input', () => {
  const piece = fc.oneof(
    fc.constantFrom('{', '}', '"', "'", '\\', '\n', ' ', '#', '!', '@lb1 ', '@^lb1 ', '$A=', '$B=${A}', '${A}', '$A ', '~SEQ(N,1,3) ', '~SEQx(N,', '~LST({A,B},{1,2}) ', ')', '(', 'include x', 'vrrp_instance', '\\\n', '$M= \\\n'),
    fc.string({ maxLength: 6 }),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
      const text = parts.join('');
      try {
        parseKeepalivedText(text, { configId: 'lb1', maxStatements: 50_000 });
      } catch (err) {
        if (!(err instanceof KaConfError)) throw err;
        assert.equal(typeof err.code, 'string');
        assert.ok(err.line >= 0);
      }
    }),
    { numRuns: 2000 },
  );
});
