// A writer for the "newc" cpio format that the kernel unpacks as an initramfs.
// Written here (instead of calling cpio(1)) so that the archive is built from an
// explicit list, in a stable order, with root ownership, whoever runs the build.
import { closeSync, openSync, writeSync } from 'node:fs';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

function hex8(n) {
  return (n >>> 0).toString(16).padStart(8, '0');
}

export class CpioWriter {
  #fd;
  #ino = 1;
  #offset = 0;

  constructor(path) {
    this.#fd = openSync(path, 'w');
  }

  #write(buf) {
    let done = 0;
    while (done < buf.length) done += writeSync(this.#fd, buf, done, buf.length - done);
    this.#offset += buf.length;
  }

  #pad() {
    const rem = this.#offset % 4;
    if (rem) this.#write(Buffer.alloc(4 - rem));
  }

  #entry(name, mode, data) {
    const nameBuf = Buffer.from(name + '\0');
    const fields = [
      this.#ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBuf.length, 0,
    ];
    this.#write(Buffer.from('070701' + fields.map(hex8).join('')));
    this.#write(nameBuf);
    this.#pad();
    this.#write(data);
    this.#pad();
  }

  dir(name, perm = 0o755) {
    this.#entry(name, S_IFDIR | perm, Buffer.alloc(0));
  }

  file(name, data, perm = 0o644) {
    this.#entry(name, S_IFREG | perm, data);
  }

  symlink(name, target) {
    this.#entry(name, S_IFLNK | 0o777, Buffer.from(target));
  }

  close() {
    this.#entry('TRAILER!!!', 0, Buffer.alloc(0));
    closeSync(this.#fd);
  }
}
