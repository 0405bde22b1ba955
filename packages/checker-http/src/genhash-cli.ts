// hacore-genhash: `hacore genhash ...` forwards here (git-style subcommand).
import { runGenhash } from './genhash.js';

const result = await runGenhash(process.argv.slice(2));
if (result.stdout) process.stdout.write(result.stdout);
if (result.stderr) process.stderr.write(result.stderr);
process.exitCode = result.exitCode;
