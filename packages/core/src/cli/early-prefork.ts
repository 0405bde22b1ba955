import { parseArgs } from 'node:util';
import { daemonConfigFile } from '../config/load.js';
import { preforkChildren, type Preforked } from '../daemon/prefork.js';
import { LOG_LEVELS } from '../log-levels.js';

let pending: Promise<Preforked[]> | undefined;

/**
 * `hacore start ARGS`: the children forked from a first reading of ARGS, before the
 * parser has loaded. Only the plain daemon form (`--config`, `--log-level`, `--socket`)
 * is read here; anything else (--single-process, --search-config, --keepalived-config,
 * a malformed line) is left to the parser, whose `start` preforks itself. A guess that
 * the parser then reads differently costs a discarded child, not a wrong one: the
 * supervisor adopts only a child whose command line is the one it would fork.
 */
export function beginEarlyPrefork(args: string[]): void {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: { config: { type: 'string', short: 'c' }, 'log-level': { type: 'string' }, socket: { type: 'string', short: 's' } },
    }));
  } catch {
    return;
  }
  const level = values['log-level'];
  if (level !== undefined && !(LOG_LEVELS as readonly unknown[]).includes(level)) return;
  pending = preforkChildren(daemonConfigFile(values.config as string | undefined), { allowCode: false, logLevel: level as string | undefined });
}

/** The early children, once: undefined when none were begun (the caller preforks). */
export function takeEarlyPrefork(): Promise<Preforked[]> | undefined {
  const p = pending;
  pending = undefined;
  return p;
}
