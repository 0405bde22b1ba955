// `hacore import keepalived.conf [-o out.yaml] [--config-id ID] [--lenient]`: run by the core as hacore-import.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KaConfError, formatWhere } from './errors.js';
import { parseKeepalivedConf } from './parser.js';
import { translate } from './translate.js';
import { toYaml } from './yaml-out.js';

const USAGE = 'usage: hacore import KEEPALIVED.CONF [-o OUT.yaml] [--config-id ID] [--lenient]';

function main(): number {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { output: { type: 'string', short: 'o' }, 'config-id': { type: 'string', short: 'i' }, lenient: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    process.stderr.write(`hacore import: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write(`hacore import: expected one keepalived.conf\n${USAGE}\n`);
    return 2;
  }
  const file = positionals[0]!;
  try {
    const p = parseKeepalivedConf(file, values['config-id'] !== undefined ? { configId: values['config-id'] } : {});
    const tr = translate(p, { lenient: values.lenient === true });
    const yaml = toYaml(tr, file);
    if (values.output) writeFileSync(values.output, yaml);
    else process.stdout.write(yaml);
    const translated = tr.report.filter((r) => r.kind === 'translated');
    const dropped = tr.report.filter((r) => r.kind === 'dropped');
    const lines = [`hacore import: ${file} (config id ${p.configId}, ${p.files.length} file${p.files.length === 1 ? '' : 's'}): ${translated.length} keywords translated, ${dropped.length} dropped`];
    for (const r of translated) lines.push(`  translated ${r.file}:${r.line}: ${r.block ? `${r.block}: ` : ''}${r.keyword} -> ${r.detail}`);
    for (const w of tr.warnings) lines.push(`  dropped    ${formatWhere(w)}: ${w.message}`);
    if (values.output) lines.push(`wrote ${values.output}`);
    process.stderr.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (err) {
    if (err instanceof KaConfError) {
      process.stderr.write(`hacore import: ${err.message} [${err.code}]\n`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = main();
