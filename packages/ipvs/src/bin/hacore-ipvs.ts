#!/usr/bin/env node
// `hacore ipvs <command>` (the core CLI forwards to this bin): the kernel's
// IPVS through hacore's own netlink client.
import { LIST_USAGE, UsageError, runList } from '../cli-list.js';

const USAGE = `usage: hacore ipvs list [options]   (hacore ipvs list --help)\n`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE + '\n' + LIST_USAGE);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd !== 'list') {
    process.stderr.write(`hacore ipvs: unknown command ${cmd}\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(LIST_USAGE);
    return 0;
  }
  try {
    process.stdout.write(await runList(rest));
    return 0;
  } catch (err) {
    const e = err as Error & { code?: string };
    process.stderr.write(`hacore ipvs: ${e.message}\n`);
    if (err instanceof UsageError) process.stderr.write(LIST_USAGE);
    return err instanceof UsageError ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
