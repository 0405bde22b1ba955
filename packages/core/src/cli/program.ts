import './closed-pipe.js';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { defaultControlSocket } from '../config/runtime-dir.js';
import type { ConfigFormat } from '../config/foreign-format.js';
import { DEFAULT_CONFIG_FILE, daemonConfigFile, insecureConfigFile, loadRawConfig } from '../config/load.js';
import { scanControlSocket } from '../config/control-socket-scan.js';
import { isPlainObject } from '../config/schema.js';
import { controlRequest } from '../control/client.js';
import type { ReloadReport } from '../daemon/config-changes.js';
import { HacoreError } from '../errors.js';
import { LOG_LEVELS } from '../log-levels.js';
import { PLUGIN_API_VERSION } from '../plugin.js';
import type { StatusReport } from '../types.js';
import { CORE_VERSION } from '../version.js';
import { externalCommandHelp, findExternal, unknownCommandMessage } from './plugin-commands.js';
import { formatStatus } from './status-format.js';

// The core (hooks, plugin loader, scheduler, pino) and the daemon are imported by the
// commands that use them, so that status, stop, --version and --help start in a
// fraction of the time (bench/cli, docs/operations.md).
const loadCore = async () => (await import('../daemon/hacore.js')).Hacore;
const quietLogger = async () => (await import('../logger.js')).silentLogger;

function fail(err: unknown): never {
  const e = err as { code?: string; message?: string };
  process.stderr.write(`hacore: ${e.message ?? String(err)}${e.code ? ` [${e.code}]` : ''}\n`);
  process.exit(1);
}

interface FormatFlags {
  keepalivedConfig?: string;
  configId?: string;
  lenient?: boolean;
}

/** `--keepalived-config FILE [--config-id ID] [--lenient]`; `--config` then names an overlay of hacore-only keys. */
function formatOf(o: FormatFlags, config: string | undefined): ConfigFormat | undefined {
  if (!o.keepalivedConfig) return undefined;
  return { keepalived: o.keepalivedConfig, configId: o.configId, lenient: o.lenient === true, overlay: config };
}

function withFormatFlags(cmd: Command): Command {
  return cmd
    .option('--keepalived-config <file>', 'run a keepalived.conf (translated by @hacore/keepalived-conf); --config then adds hacore-only keys')
    .option('--config-id <id>', 'keepalived config id for @id lines (default: the short host name)')
    .option('--lenient', 'with --keepalived-config: drop keywords hacore does not support yet (a warning each) instead of refusing');
}

/**
 * The control socket of the daemon that a config names, without loading its
 * plugins: the config read as `start` reads it (--config, $HACORE_CONFIG,
 * /etc/hacore/hacore.yaml; the upward search only with --search-config).
 * A missing default file means the default socket.
 */
async function socketOf(opts: { config?: string; socket?: string; format?: ConfigFormat | undefined; searchConfig?: boolean }): Promise<string> {
  if (opts.socket) return opts.socket;
  const named = opts.config ?? (process.env.HACORE_CONFIG || undefined);
  const file = named ?? (opts.searchConfig ? undefined : DEFAULT_CONFIG_FILE);
  try {
    if (file !== undefined && !opts.format) {
      const v = await controlSocketSetting(file);
      if (v !== 'parse') return v ?? defaultControlSocket();
    }
    const raw = await loadRawConfig({ file, format: opts.format, allowCode: opts.searchConfig === true });
    const v = isPlainObject(raw.value) ? raw.value.controlSocket : undefined;
    return typeof v === 'string' ? v : defaultControlSocket();
  } catch (err) {
    if (named || opts.format || !(err instanceof HacoreError) || err.code !== 'HACORE_ERR_CONFIG_NOT_FOUND') throw err;
    return defaultControlSocket();
  }
}

/**
 * The `controlSocket` of a YAML or JSON file from its text when that is plain
 * (scanControlSocket), so that a client command loads no YAML parser, and still
 * reaches the daemon while the file is being edited; `'parse'` otherwise.
 * Refuses, as root, a file another user can change, as loadRawConfig does.
 */
async function controlSocketSetting(file: string): Promise<string | undefined | 'parse'> {
  const abs = path.resolve(file);
  if (!/\.(?:ya?ml|json)$/.test(abs)) return 'parse';
  const why = insecureConfigFile(abs);
  if (why) throw new HacoreError('HACORE_ERR_CONFIG_INSECURE', why);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new HacoreError('HACORE_ERR_CONFIG_NOT_FOUND', `config file not found: ${abs}`, { cause: err });
    throw err;
  }
  return scanControlSocket(text, abs.endsWith('.json') ? 'json' : 'yaml');
}

const SEARCH_HELP = 'development: without --config or $HACORE_CONFIG, search upward from the working directory for hacore.config.* / .hacorerc* / package.json#hacore (and allow .js/.ts configs)';

/** check-config without --config: the upward search finds a development config, else the daemon's default file. */
async function searchOrDefault(): Promise<string | undefined> {
  try {
    return (await loadRawConfig({ checkOwner: false })).file;
  } catch (err) {
    if (err instanceof HacoreError && err.code === 'HACORE_ERR_CONFIG_NOT_FOUND') return DEFAULT_CONFIG_FILE;
    throw err;
  }
}

const program = new Command();
program
  .name('hacore')
  .description('High-availability and load-balancing daemon: health checks, IPVS, VRRP')
  .option('-c, --config <file>', `config file (default: $HACORE_CONFIG, else ${DEFAULT_CONFIG_FILE})`)
  .option('--version', 'print the core version and the versions of the plugins in the config')
  .enablePositionalOptions()
  .showHelpAfterError();

withFormatFlags(program
  .command('start'))
  .description('run the daemon in the foreground (supervisor + one child per role)')
  .option('-c, --config <file>', `config file (default: $HACORE_CONFIG, else ${DEFAULT_CONFIG_FILE})`)
  .option('--single-process', 'run every role in this one process (development, tests; implies --search-config)')
  .option('--search-config', SEARCH_HELP)
  .option('-s, --socket <path>', 'control socket path (over controlSocket; default: hacore.sock in $RUNTIME_DIRECTORY, /run/hacore as root, $XDG_RUNTIME_DIR/hacore otherwise)')
  .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS))
  .action(async (o: { config?: string; singleProcess?: boolean; searchConfig?: boolean; socket?: string; logLevel?: string } & FormatFlags) => {
    const development = o.singleProcess === true || o.searchConfig === true;
    const named = o.config ?? program.opts<{ config?: string }>().config;
    // A daemon reads one explicit file; the upward search is for development only.
    const config = development && !named && !process.env.HACORE_CONFIG ? undefined : daemonConfigFile(named);
    // The children first, so that their start overlaps this process's loading (daemon/prefork.ts).
    // (cli/main.ts began them before this parser loaded, for the plain daemon form.)
    const early = await (await import('./early-prefork.js')).takeEarlyPrefork();
    const forkable = !o.singleProcess && !formatOf(o, named);
    if (!forkable) for (const p of early ?? []) p.discard();
    const preforked = !forkable ? [] : early ?? (await (await import('../daemon/prefork.js')).preforkChildren(config, { allowCode: development, logLevel: o.logLevel }));
    const [{ createLogger }, { runDaemon }] = await Promise.all([import('../logger.js'), import('../daemon/run.js')]);
    const logger = createLogger({ level: o.logLevel ?? 'info', role: o.singleProcess ? 'single' : 'main' });
    try {
      const code = await runDaemon({
        configFile: config,
        format: formatOf(o, named),
        singleProcess: o.singleProcess === true,
        allowCode: development,
        socket: o.socket,
        logLevel: o.logLevel,
        logger,
        preforked,
      });
      logger.flush();
      process.exit(code);
    } catch (err) {
      logger.flush();
      fail(err);
    }
  });

withFormatFlags(program
  .command('check-config'))
  .description('validate the config (and its plugins), print it normalized, exit 1 on error')
  .option('-c, --config <file>', `config file (default: $HACORE_CONFIG, else the upward search, else ${DEFAULT_CONFIG_FILE})`)
  .action(async (o: { config?: string } & FormatFlags) => {
    try {
      const named = o.config ?? program.opts<{ config?: string }>().config ?? (process.env.HACORE_CONFIG || undefined);
      const config = named ?? (await searchOrDefault());
      const format = formatOf(o, named);
      // Ownership does not make a config invalid: check-config warns where `start` as root would refuse.
      for (const f of [format?.keepalived, format ? format.overlay : config]) {
        const why = f === undefined ? undefined : insecureConfigFile(path.resolve(f));
        if (why) process.stderr.write(`hacore: warning: ${why}; hacore start would refuse it [HACORE_ERR_CONFIG_INSECURE]\n`);
      }
      const Hacore = await loadCore();
      const core = await Hacore.load({ configFile: config, format, checkOwner: false, role: 'single', logger: await quietLogger() });
      process.stdout.write(`${JSON.stringify(core.config, null, 2)}\n`);
      process.stderr.write(`${core.configFile}: configuration is valid\n`);
    } catch (err) {
      fail(err);
    }
  });

for (const [name, desc] of [
  ['status', 'show the state of checks and instances of the running daemon'],
  ['reload', 'validate the config file and apply it to the running daemon (exit 1 if refused)'],
  ['stop', 'stop the running daemon gracefully'],
] as const) {
  const cmd = withFormatFlags(program.command(name))
    .description(desc)
    .option('-c, --config <file>', `config file naming the control socket (default: $HACORE_CONFIG, else ${DEFAULT_CONFIG_FILE})`)
    .option('--search-config', SEARCH_HELP)
    .option('-s, --socket <path>', 'control socket path');
  if (name !== 'stop') cmd.option('--json', name === 'status' ? 'print the status documents as JSON' : 'print what changed, and each process\'s summary, as JSON');
  cmd.action(async (o: { config?: string; socket?: string; json?: boolean; searchConfig?: boolean } & FormatFlags) => {
    try {
      const config = o.config ?? program.opts<{ config?: string }>().config;
      const sock = await socketOf({ ...(config ? { config } : {}), ...(o.socket ? { socket: o.socket } : {}), format: formatOf(o, config), searchConfig: o.searchConfig === true });
      const result = await controlRequest(sock, { cmd: name });
      if (name === 'status') {
        process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatStatus(result as Record<string, StatusReport>)}\n`);
      } else if (name === 'reload') {
        const { formatReloadReport } = await import('../daemon/config-changes.js');
        process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatReloadReport(result as ReloadReport)}\n`);
      } else process.stdout.write(`${typeof result === 'string' ? result : JSON.stringify(result)}\n`);
    } catch (err) {
      fail(err);
    }
  });
}

// Operator actions: done by the plugin that owns the name (IPVS drains, VRRP yields), in whichever process runs it.
for (const [name, operand, key, desc, extra] of [
  ['drain', '<realServer>', 'realServer', 'set a real server\'s IPVS weight to 0, keeping its connections, until undrained (kept across reloads and restarts)', true],
  ['undrain', '<realServer>', 'realServer', 'give a drained real server its weight back', true],
  ['yield', '<instance>', 'instance', 'make a VRRP instance give up master for maintenance (priority 0 advert) and stay backup until unyield', false],
  ['unyield', '<instance>', 'instance', 'let a yielded VRRP instance take part in elections again', false],
] as const) {
  const cmd = program
    .command(`${name} ${operand}`)
    .description(desc)
    .option('-c, --config <file>', `config file naming the control socket (default: $HACORE_CONFIG, else ${DEFAULT_CONFIG_FILE})`)
    .option('-s, --socket <path>', 'control socket path')
    .option('--json', 'print the replies as JSON');
  if (extra) cmd.option('-v, --virtual-server <name>', 'only in this virtual server (default: every virtual server that has it)');
  cmd.action(async (value: string, o: { config?: string; socket?: string; json?: boolean; virtualServer?: string }) => {
    try {
      const config = o.config ?? program.opts<{ config?: string }>().config;
      const sock = await socketOf({ ...(config ? { config } : {}), ...(o.socket ? { socket: o.socket } : {}) });
      const args: Record<string, string> = { [key]: value, ...(o.virtualServer ? { virtualServer: o.virtualServer } : {}) };
      const replies = (await controlRequest(sock, { cmd: 'action', action: name, args })) as { role: string; result: string }[];
      process.stdout.write(o.json ? `${JSON.stringify(replies, null, 2)}\n` : `${replies.map((r) => r.result).join('\n')}\n`);
    } catch (err) {
      fail(err);
    }
  });
}

async function printVersion(): Promise<void> {
  const lines = [`@hacore/core ${CORE_VERSION} (plugin API ${PLUGIN_API_VERSION})`];
  try {
    const configFile = configFlag(argv);
    // Found first, so that no config (the common case) costs no core.
    await loadRawConfig({ file: configFile, checkOwner: false });
    const Hacore = await loadCore();
    const core = await Hacore.load({ configFile, role: 'single', logger: await quietLogger() });
    for (const p of core.plugins) lines.push(`${p.plugin.name} ${p.plugin.version ?? '(unknown version)'} (targets ${p.plugin.hacore})`);
  } catch (err) {
    if (!(err instanceof HacoreError) || err.code !== 'HACORE_ERR_CONFIG_NOT_FOUND') lines.push(`(plugins not listed: ${(err as Error).message.split('\n')[0]})`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

program.addHelpText('after', () => externalCommandHelp());

/** `-c FILE`, `--config FILE` or `--config=FILE` before the parser has run (for --version). */
function configFlag(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-c' || a === '--config') return args[i + 1];
    if (a.startsWith('--config=')) return a.slice('--config='.length);
  }
  return process.env.HACORE_CONFIG || undefined;
}

const argv = process.argv.slice(2);
const first = argv.find((a) => !a.startsWith('-'));
const known = new Set(program.commands.map((c) => c.name()).concat(['help']));
if (argv.includes('--version') && (first === undefined || !known.has(first))) {
  await printVersion();
} else if (first !== undefined && !known.has(first) && argv[0] === first) {
  const ext = findExternal(first);
  if (!ext) fail(new HacoreError('HACORE_ERR_USAGE', unknownCommandMessage(first)));
  const r = spawnSync(ext, argv.slice(1), { stdio: 'inherit' });
  process.exit(r.status ?? 1);
} else {
  await program.parseAsync(process.argv);
}
