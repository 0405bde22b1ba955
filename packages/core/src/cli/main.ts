#!/usr/bin/env node
// `hacore start` forks its children before the CLI's own modules (the parser, the
// control client) load, so that their Node start overlaps all of this process's
// (early-prefork.ts); every command is parsed in program.ts.
if (process.argv[2] === 'start') (await import('./early-prefork.js')).beginEarlyPrefork(process.argv.slice(3));
await import('./program.js');
