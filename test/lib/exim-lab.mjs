// Debian's exim4 as a test MTA in a network namespace, with a config written
// per run (one daemon, one behaviour per port), and certificates made with
// openssl. Used by test/checkers/smtp.test.mjs and bench/checks-smtp.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './lab.mjs';

export const EXIM = '/usr/sbin/exim4';

/** A CA, a server certificate it signs for mx.example.test and the MX address, and a second, unrelated CA. */
export function makeCerts(dir, MX) {
  const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=hacore test CA']);
  run(['req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=another CA']);
  run(['req', ...ec, '-keyout', 'mx.key', '-out', 'mx.csr', '-subj', '/CN=mx.example.test']);
  writeFileSync(path.join(dir, 'san.ext'), `subjectAltName=DNS:mx.example.test,IP:${MX},IP:127.0.0.1\n`);
  run(['x509', '-req', '-in', 'mx.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'mx.pem', '-days', '2', '-extfile', 'san.ext']);
}

// One exim daemon, one behaviour per port (ACLs branch on $received_port):
// 25 a normal MTA with STARTTLS, 26 greets 554, 27 greets 421, 28 refuses EHLO
// (HELO works), 29 stalls after the greeting, 30 stalls before it, 31 offers no STARTTLS.
export function eximConfig(dir, MX) {
  return `primary_hostname = mx.example.test
spool_directory = ${dir}/spool
log_file_path = ${dir}/%slog
pid_file_path = ${dir}/exim.pid
daemon_smtp_ports = 25 : 26 : 27 : 28 : 29 : 30 : 31
local_interfaces = <; ${MX}
keep_environment =
exim_user = root
exim_group = root
never_users =
host_lookup =
rfc1413_hosts =
smtp_banner = mx.example.test ESMTP hacore test\\nsecond line of the greeting
tls_certificate = ${dir}/mx.pem
tls_privatekey = ${dir}/mx.key
tls_advertise_hosts = \${if eq{$received_port}{31}{}{*}}
acl_smtp_connect = acl_conn
acl_smtp_helo = acl_helo
begin acl
acl_conn:
  deny  condition = \${if eq{$received_port}{26}}
        message = 554 no SMTP service here
  defer condition = \${if eq{$received_port}{27}}
        message = 421 too busy, try later
  accept condition = \${if eq{$received_port}{30}}
        delay = 5s
  accept
acl_helo:
  deny  condition = \${if and{{eq{$received_port}{28}}{eq{\${uc:\${substr_0_4:$smtp_command}}}{EHLO}}}}
        message = 502 EHLO not implemented here
  accept condition = \${if eq{$received_port}{29}}
        delay = 5s
  accept
`;
}

/** Writes the config and certificates into `dir` and starts exim in `host` of `lab`; resolves once it listens. */
export async function startExim(lab, host, dir, address) {
  makeCerts(dir, address);
  mkdirSync(path.join(dir, 'spool'), { recursive: true });
  writeFileSync(path.join(dir, 'exim.conf'), eximConfig(dir, address));
  const exim = lab.spawn(host, EXIM, ['-C', path.join(dir, 'exim.conf'), '-bdf']);
  let err = '';
  exim.stderr.on('data', (d) => (err += d));
  await waitFor(async () => {
    if (exim.exitCode !== null) throw new Error(`exim exited ${exim.exitCode}: ${err}`);
    return (await lab.exec(host, 'ss', ['-Hltn', 'sport = :31'])).includes(':31');
  }, { timeoutMs: 10000, what: 'exim listening' });
  return exim;
}
