/**
 * Keeps the first `limit` bytes of a stream and counts the rest, so that a
 * chatty script cannot grow the daemon's memory.
 */
export class BoundedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (room <= 0) {
      this.dropped += chunk.length;
      return;
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(part);
    this.kept += part.length;
    this.dropped += chunk.length - part.length;
  }

  get bytes(): number {
    return this.kept;
  }

  get truncated(): boolean {
    return this.dropped > 0;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
