import { Writable } from 'node:stream';

/** An in-memory pino destination: every log line the app writes, as text and parsed JSON. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  private pending = '';

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.pending += chunk.toString('utf8');
    const parts = this.pending.split('\n');
    this.pending = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) this.lines.push(line);
    callback();
  }

  /** Every line parsed; throws if one is not JSON (logs must be structured). */
  entries(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  text(): string {
    return this.lines.join('\n') + this.pending;
  }
}
