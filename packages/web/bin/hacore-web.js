#!/usr/bin/env node
// `hacore web hash-password NAME`: a line for web.usersFile, the password read from stdin (not argv, which `ps` shows).
import { hashPassword } from '../dist/src/index.js';

const [cmd, name] = process.argv.slice(2);
if (cmd !== 'hash-password' || !name) {
  process.stderr.write('usage: hacore web hash-password NAME   (the password on stdin)\n');
  process.exit(2);
}
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const password = input.replace(/\r?\n$/, '');
  if (password.length < 8) {
    process.stderr.write('hacore web: use a password of at least 8 characters\n');
    process.exit(1);
  }
  process.stdout.write(`${hashPassword(name, password)}\n`);
});
