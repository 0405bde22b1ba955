// Two namespaces joined by a veth pair, for BFD against FRR's bfdd: hacore's side
// (nsH/ifH, 198.51.100.1 and optionally 2001:db8:bfd::1) and bfdd's (nsF/ifF, .2).
// Names carry a fixed prefix and a unique suffix, and are removed by exact name.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ip = (...a) => execFileSync('ip', a, { encoding: 'utf8' });

/** `prefix`: 4 letters. `ipv6`: add 2001:db8:bfd::1/::2 (kept on link down). */
export function createBfdLab(prefix, { ipv6 = false } = {}) {
  const id = `${process.pid % 10000}${Math.floor(Math.random() * 100)}`;
  const lab = {
    id,
    nsH: `${prefix}-h${id}`,
    nsF: `${prefix}-f${id}`,
    ifH: `${prefix}h${id}`,
    ifF: `${prefix}f${id}`,
    // bfdd runs as frr: its directory must be reachable by it.
    dir: mkdtempSync(path.join(tmpdir(), `${prefix}-`)),
    bfddPid: undefined,
  };
  chmodSync(lab.dir, 0o777);
  ip('netns', 'add', lab.nsH);
  ip('netns', 'add', lab.nsF);
  ip('-n', lab.nsH, 'link', 'add', lab.ifH, 'type', 'veth', 'peer', 'name', lab.ifF);
  ip('-n', lab.nsH, 'link', 'set', lab.ifF, 'netns', lab.nsF);
  ip('-n', lab.nsH, 'addr', 'add', '198.51.100.1/24', 'dev', lab.ifH);
  ip('-n', lab.nsF, 'addr', 'add', '198.51.100.2/24', 'dev', lab.ifF);
  if (ipv6) {
    // Cutting the link must not drop the IPv6 addresses (the default on link down).
    execFileSync('ip', ['netns', 'exec', lab.nsH, 'sysctl', '-q', '-w', `net.ipv6.conf.${lab.ifH}.keep_addr_on_down=1`]);
    ip('-n', lab.nsH, 'addr', 'add', '2001:db8:bfd::1/64', 'dev', lab.ifH, 'nodad');
    ip('-n', lab.nsF, 'addr', 'add', '2001:db8:bfd::2/64', 'dev', lab.ifF, 'nodad');
  }
  for (const [ns, i] of [[lab.nsH, lab.ifH], [lab.nsF, lab.ifF]]) {
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'link', 'set', i, 'up');
  }

  /** Starts (or restarts) bfdd in nsF with a 50 ms x 3 peer for each `[peer, local]` pair; sets lab.bfddPid. */
  lab.startBfdd = (peers = [['198.51.100.1', '198.51.100.2']]) => {
    const conf = ['bfd', ...peers.flatMap(([peer, local]) => [` peer ${peer} local-address ${local}`, '  receive-interval 50', '  transmit-interval 50', '  detect-multiplier 3', ' !']), '!', ''];
    writeFileSync(path.join(lab.dir, 'bfdd.conf'), conf.join('\n'));
    rmSync(path.join(lab.dir, 'bfdd.pid'), { force: true });
    execFileSync('ip', ['netns', 'exec', lab.nsF, '/usr/lib/frr/bfdd', '-f', path.join(lab.dir, 'bfdd.conf'), '-N', `${prefix}${id}`, '--vty_socket', lab.dir,
      '--bfdctl', path.join(lab.dir, 'bfdd.sock'), '-i', path.join(lab.dir, 'bfdd.pid'), '-u', 'frr', '-g', 'frr', '--log', `file:${path.join(lab.dir, 'bfdd.log')}`, '-d']);
    lab.bfddPid = Number(readFileSync(path.join(lab.dir, 'bfdd.pid'), 'utf8').trim());
  };

  /** Ends bfdd by the PID it wrote, removes both namespaces and the directory. */
  lab.destroy = () => {
    if (lab.bfddPid) try { process.kill(lab.bfddPid, 'SIGKILL'); } catch {}
    for (const ns of [lab.nsH, lab.nsF]) try { ip('netns', 'del', ns); } catch {}
    rmSync(lab.dir, { recursive: true, force: true });
  };
  return lab;
}
