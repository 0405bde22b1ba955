/**
 * A generic-netlink conversation with one kernel family, over the `netlink`
 * package's GenericNetlinkSocket: the family is resolved by name through the
 * controller, then requests are framed here so that the kernel's errno comes
 * back as a number (the package's own error path only keeps its text).
 *
 * One operation at a time: netlink dumps arrive as multipart replies that must
 * not interleave with other replies on the same socket, so every call waits
 * for the previous one (`exclusive`). `batch` pipelines many commands inside
 * one turn: several per datagram, the kernel acknowledging only failures and
 * the last command of each datagram.
 */
import { createGenericNetlink, genl, type GenericNetlinkSocket, type NetlinkMessage, type NetlinkSocket } from 'netlink';
import { IpvsProtocolError, IpvsUnavailableError } from './errors.js';

const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_DUMP = 0x300;
const NLMSG_ERROR = 2;
const NLMSG_HDRLEN = 16;
const GENL_HDRLEN = 4;
/** Bytes per datagram in a batch; far below the socket's send buffer. */
const BATCH_DATAGRAM_BYTES = 48 * 1024;
/**
 * Commands per datagram. Every refused command comes back as an error message
 * that quotes it, all queued during the one send: 128 of them stay well inside
 * the default 208 KiB receive buffer (rmem_max caps SO_RCVBUF), so no error
 * is ever dropped (ENOBUFS), even when a whole datagram is refused.
 */
const BATCH_MAX_COMMANDS = 128;

/** A generic-netlink message received: its command and attribute payload. */
export interface GenlReply {
  cmd: number;
  payload: Buffer;
}

export interface GenlRequest {
  cmd: number;
  attrs: Buffer;
}

export interface GenlTransportOptions {
  /** Per-request timeout in milliseconds (default 10 s). */
  timeoutMs?: number;
}

export interface GenlFamilyInfo {
  name: string;
  id: number;
  version: number;
  operations: number;
}

interface Pending {
  resolve: (errno: number) => void;
  fail: (err: Error) => void;
}

function readErrno(msg: NetlinkMessage): number {
  if (msg.data.length < 4) throw new IpvsProtocolError('truncated netlink ERROR message');
  const v = msg.data.readInt32LE(0);
  return v === 0 ? 0 : -v; // an acknowledgement is 0, never -0
}

export class GenlTransport {
  readonly family: GenlFamilyInfo;
  readonly #genl: GenericNetlinkSocket;
  readonly #nl: NetlinkSocket;
  readonly #timeoutMs: number;
  #turn: Promise<unknown> = Promise.resolve();
  readonly #pending = new Map<number, Pending>();
  #closed = false;
  readonly #port: number;

  private constructor(sock: GenericNetlinkSocket, family: GenlFamilyInfo, timeoutMs: number) {
    this.#genl = sock;
    this.#nl = sock.socket;
    this.family = family;
    this.#timeoutMs = timeoutMs;
    this.#port = this.#nl.address().port;
    // The `netlink` package's GenericNetlinkSocket parses every unsolicited message
    // (a reply that came after its request timed out, one with another sequence
    // number) in its own listener, and throws on a generic-netlink header shorter
    // than 4 octets: from a socket callback, that is an uncaught exception that ends
    // the process (found by the netlink fuzzer). Nothing here reads its events, so
    // its listener goes; ours below read only NLMSG_ERROR, bounds-checked.
    this.#nl.removeAllListeners('message');
    // Replies nobody awaits through NetlinkSocket.request: the errors and
    // acknowledgements of batched commands, dispatched here by sequence.
    // A receive error (ENOBUFS: replies lost) must never go unhandled: it
    // fails the batch that waits, and requests time out on their own.
    this.#nl.on('error', (err) => {
      const e = new IpvsProtocolError(`netlink socket error: ${err.message}`, { cause: err });
      for (const p of [...this.#pending.values()]) p.fail(e);
      this.#pending.clear();
    });
    // A malformed acknowledgement fails its batch: thrown here, in the socket's
    // callback, it would be an uncaught exception that ends the process.
    this.#nl.on('message', (msgs) => {
      for (const m of msgs) {
        if (m.type !== NLMSG_ERROR) continue;
        const p = this.#pending.get(m.seq);
        if (!p) continue;
        this.#pending.delete(m.seq);
        let errno: number;
        try {
          errno = readErrno(m);
        } catch (err) {
          p.fail(err as Error);
          continue;
        }
        p.resolve(errno);
      }
    });
  }

  /** Opens a socket and resolves `familyName`; IpvsUnavailableError when the kernel lacks it. */
  static async open(familyName: string, options: GenlTransportOptions = {}): Promise<GenlTransport> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    let sock: GenericNetlinkSocket;
    try {
      sock = createGenericNetlink();
    } catch (err) {
      throw new IpvsUnavailableError(`cannot open a generic netlink socket: ${(err as Error).message}`, { cause: err });
    }
    try {
      const [msg] = await sock.ctrlRequest(genl.Commands.GET_FAMILY, { familyName }, { timeout: timeoutMs });
      if (!msg || msg.familyId === undefined) throw new Error('empty reply');
      const family: GenlFamilyInfo = {
        name: familyName,
        id: msg.familyId,
        version: msg.version ?? 1,
        operations: msg.ops?.length ?? 0,
      };
      // Room for the acknowledgements of a whole batch datagram.
      try {
        sock.socket.setRecvBufferSize(4 << 20);
      } catch {
        // rmem_max caps it; the batch window copes with the default.
      }
      return new GenlTransport(sock, family, timeoutMs);
    } catch (err) {
      sock.socket.close();
      const text = (err as Error).message;
      if (/ENOENT/.test(text)) {
        throw new IpvsUnavailableError(
          `the kernel has no generic netlink family "${familyName}" (is the ip_vs module loaded?)`, { cause: err });
      }
      throw new IpvsUnavailableError(`cannot resolve generic netlink family "${familyName}": ${text}`, { cause: err });
    }
  }

  /** Runs fn when every earlier call has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(fn, fn);
    this.#turn = run.catch(() => undefined);
    return run;
  }

  #checkOpen(): void {
    if (this.#closed) throw new IpvsProtocolError('the IPVS netlink socket is closed');
  }

  #toReplies(msgs: NetlinkMessage[]): { errno: number; replies: GenlReply[] } {
    const replies: GenlReply[] = [];
    for (const m of msgs) {
      if (m.type === NLMSG_ERROR) {
        const errno = readErrno(m);
        if (errno !== 0) return { errno, replies };
        continue;
      }
      if (m.data.length < GENL_HDRLEN) throw new IpvsProtocolError('truncated generic netlink message');
      replies.push({ cmd: m.data.readUInt8(0), payload: m.data.subarray(GENL_HDRLEN) });
    }
    return { errno: 0, replies };
  }

  async #request(cmd: number, attrs: Buffer, dump: boolean): Promise<{ errno: number; replies: GenlReply[] }> {
    this.#checkOpen();
    // NetlinkSocket.request adds REQUEST|ACK; the genl header is ours.
    const header = Buffer.alloc(GENL_HDRLEN);
    header.writeUInt8(cmd, 0);
    header.writeUInt8(this.family.version, 1);
    try {
      const [msgs] = await this.#nl.request(this.family.id, [header, attrs], {
        flags: dump ? NLM_F_DUMP : 0,
        // Saves a getsockname() per request (the socket's port never changes).
        localPort: this.#port,
        checkError: false,
        timeout: this.#timeoutMs,
      });
      return this.#toReplies(msgs);
    } catch (err) {
      if (err instanceof IpvsProtocolError) throw err;
      throw new IpvsProtocolError(`netlink request ${cmd} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /** One command; resolves with the kernel's errno (0 on success) and any reply messages. */
  request(cmd: number, attrs: Buffer): Promise<{ errno: number; replies: GenlReply[] }> {
    return this.#request(cmd, attrs, false);
  }

  /** A dump; resolves with every message of the multipart reply. */
  dump(cmd: number, attrs: Buffer): Promise<{ errno: number; replies: GenlReply[] }> {
    return this.#request(cmd, attrs, true);
  }

  /**
   * Sends many commands, several per datagram; resolves with each one's errno
   * (0 on success) in order. The kernel runs a datagram's messages in order
   * and acknowledges only failures and the last (ACK-flagged) message, so the
   * last acknowledgement of a datagram also means "no other failures".
   */
  async batch(requests: readonly GenlRequest[]): Promise<number[]> {
    this.#checkOpen();
    const results = new Array<number>(requests.length).fill(0);
    const port = this.#port;
    let i = 0;
    while (i < requests.length) {
      const start = i;
      let bytes = 0;
      while (
        i < requests.length &&
        (i === start || (i - start < BATCH_MAX_COMMANDS && bytes + NLMSG_HDRLEN + GENL_HDRLEN + requests[i]!.attrs.length <= BATCH_DATAGRAM_BYTES))
      ) {
        bytes += NLMSG_HDRLEN + GENL_HDRLEN + requests[i]!.attrs.length;
        i++;
      }
      // One datagram: the messages back to back (their lengths are multiples of 4).
      const datagram = Buffer.allocUnsafe(bytes);
      const seqs: number[] = [];
      let off = 0;
      for (let k = start; k < i; k++) {
        const r = requests[k]!;
        const seq = this.#nl.generateSeq();
        const len = NLMSG_HDRLEN + GENL_HDRLEN + r.attrs.length;
        datagram.writeUInt32LE(len, off);
        datagram.writeUInt16LE(this.family.id, off + 4);
        datagram.writeUInt16LE(NLM_F_REQUEST | (k === i - 1 ? NLM_F_ACK : 0), off + 6);
        datagram.writeUInt32LE(seq, off + 8);
        datagram.writeUInt32LE(port, off + 12);
        datagram.writeUInt8(r.cmd, off + 16);
        datagram.writeUInt8(this.family.version, off + 17);
        datagram.writeUInt16LE(0, off + 18);
        r.attrs.copy(datagram, off + NLMSG_HDRLEN + GENL_HDRLEN);
        off += len;
        seqs.push(seq);
      }
      await this.#sendDatagram(datagram, seqs, results, start);
    }
    return results;
  }

  async #sendDatagram(datagram: Buffer, seqs: number[], results: number[], start: number): Promise<void> {
    const lastSeq = seqs[seqs.length - 1]!;
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        reject(new IpvsProtocolError(`no acknowledgement of a batch of ${seqs.length} commands within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      seqs.forEach((seq, k) => {
        this.#pending.set(seq, {
          resolve: (errno) => {
            results[start + k] = errno;
            if (seq === lastSeq) resolve();
          },
          fail: reject,
        });
      });
    });
    // Settled below in every case; never an unhandled rejection.
    done.catch(() => undefined);
    this.#nl.ref(true);
    try {
      await new Promise<void>((resolve, reject) => {
        this.#nl.socket.send(datagram, {}, (err) =>
          err ? reject(new IpvsProtocolError(`netlink send failed: ${err.message}`, { cause: err })) : resolve());
      });
      await done;
    } finally {
      clearTimeout(timer);
      for (const s of seqs) this.#pending.delete(s);
      this.#nl.ref(false);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#genl.socket.close();
  }
}
