import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadRawConfig } from '../config/load.js';
import { isPlainObject } from '../config/schema.js';
import { resolvePlugin } from '../plugins/resolve.js';
import { pluginManifest } from '../plugins/manifest.js';
import type { Role } from '../types.js';
import type { ChildMessage } from './ipc.js';
import { forkExecArgv } from '../young-generation.js';
import { tolerateClosedChannel } from './channel-errors.js';

const CHILD_MAIN = fileURLToPath(new URL('./child-main.js', import.meta.url));

/** What a child of `role` is started with: the same for a preforked child and one the supervisor forks. */
export interface ChildLaunch {
  /** `--config FILE`, or a foreign format's flags. */
  source: string[];
  logLevel: string;
  allowCode: boolean;
}

export function childArgs(role: Role, l: ChildLaunch): string[] {
  return ['--role', role, ...l.source, '--log-level', l.logLevel, ...(l.allowCode ? ['--allow-code'] : [])];
}


export function forkChild(role: Role, l: ChildLaunch): ChildProcess {
  const proc = fork(CHILD_MAIN, childArgs(role, l), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json', execArgv: forkExecArgv(role) });
  tolerateClosedChannel(proc, (err) => process.stderr.write(`hacore: ${role} child: ${err.message}\n`));
  return proc;
}

/** A child forked before the supervisor has loaded anything, its messages kept until the supervisor takes it. */
export class Preforked {
  private readonly queue: ChildMessage[] = [];
  private readonly keep = (m: unknown): void => void this.queue.push(m as ChildMessage);
  exited = false;
  adopted = false;

  constructor(
    readonly role: Role,
    /** Its command line after the script: the supervisor adopts it only for the same. */
    readonly args: readonly string[],
    readonly proc: ChildProcess,
  ) {
    proc.on('message', this.keep);
    proc.once('exit', () => (this.exited = true));
  }

  /** Hands the child over: `onMessage` gets what it sent so far, then the rest. */
  adopt(onMessage: (m: unknown) => void): ChildProcess {
    this.adopted = true;
    this.proc.off('message', this.keep);
    this.proc.on('message', onMessage);
    for (const m of this.queue.splice(0)) onMessage(m);
    return this.proc;
  }

  /** Not needed after all (the plugins' roles were not what their package.json said, or the start failed). */
  discard(): void {
    if (this.exited || this.adopted) return;
    try {
      this.proc.send({ t: 'stop', reason: 'not needed' });
    } catch {
      this.proc.kill('SIGTERM');
    }
  }
}

/**
 * The roles a config's children will have, from the plugins' package.json
 * (`"hacoreRoles": ["vrrp"]`) and the checks list, without importing any
 * plugin; undefined when a plugin does not say (then nothing is preforked).
 */
export function hintedRoles(value: unknown, file: string): { roles: Role[]; plugins: string[] } | undefined {
  if (!isPlainObject(value)) return undefined;
  const specs = value.plugins ?? [];
  if (!Array.isArray(specs) || !specs.every((p) => typeof p === 'string')) return undefined;
  const roles = new Set<Role>();
  const plugins: string[] = [];
  for (const spec of specs as string[]) {
    let resolved: string;
    try {
      resolved = resolvePlugin(spec, path.dirname(file));
    } catch {
      return undefined;
    }
    const hint = pluginManifest(resolved)?.roles;
    if (!hint) return undefined;
    for (const r of hint as Role[]) if (r !== 'main') roles.add(r);
    plugins.push(pathToFileURL(resolved).href);
  }
  if (Array.isArray(value.checks) && value.checks.length > 0) roles.add('check');
  return { roles: [...roles].sort(), plugins };
}

/**
 * `hacore start` forks its children before it loads the core, the plugins and the
 * config's validation, so that each child's Node start and module loading run beside
 * the supervisor's instead of after them (bench/failover/start.mjs). A preforked child
 * only loads modules (the plugins named here too) and asks for the document: it does
 * nothing else until the supervisor, having validated everything, answers it. Any
 * failure here means no prefork, never an error: the normal path reports it.
 */
export async function preforkChildren(configFile: string | undefined, launch: Omit<ChildLaunch, 'source' | 'logLevel'> & { logLevel?: string | undefined }): Promise<Preforked[]> {
  if (configFile === undefined) return [];
  let hint: ReturnType<typeof hintedRoles>;
  let logLevel: string;
  let file: string;
  try {
    const raw = await loadRawConfig({ file: configFile, allowCode: launch.allowCode });
    file = raw.file;
    hint = hintedRoles(raw.value, raw.file);
    const configured = isPlainObject(raw.value) ? raw.value.logLevel : undefined;
    logLevel = launch.logLevel ?? (typeof configured === 'string' ? configured : 'info');
  } catch {
    return [];
  }
  if (!hint) return [];
  const l: ChildLaunch = { source: ['--config', file], logLevel, allowCode: launch.allowCode };
  return hint.roles.map((role) => {
    const p = new Preforked(role, childArgs(role, l), forkChild(role, l));
    try {
      p.proc.send({ t: 'warm', plugins: hint.plugins });
    } catch {
      // exiting: the supervisor forks a new one
    }
    return p;
  });
}
