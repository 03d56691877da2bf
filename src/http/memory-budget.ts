import { HttpException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The bytes of memory that requests may hold at once for what they carry, process-wide
 * (BODY_MEMORY_BUDGET_MB): a body reserves what reading it takes before it is read, and what parsing it
 * can take (JSON: from its shape, see json-shape.ts) before it is parsed; a stored event reserves its
 * size before it is read from the database. What a request holds is released when its response ends
 * (sent, or the connection closed). When the budget cannot hold a reservation the request is answered
 * 503 with Retry-After at once (nothing waits), or 413 when the reservation alone exceeds the whole
 * budget. With the heap cap, it keeps the process within its memory whatever arrives at once (the
 * figures are in docs/security.md).
 */
export class MemoryBudget {
  private used = 0;

  constructor(readonly totalBytes: number) {}

  get usedBytes(): number {
    return this.used;
  }

  /** Takes `bytes` when they fit; false otherwise (nothing taken). */
  tryTake(bytes: number): boolean {
    if (bytes <= 0) return true;
    if (this.used + bytes > this.totalBytes) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

/** What one request holds, and how it is released (once, when its response ends). */
interface RequestMemory {
  budget: MemoryBudget;
  response: ServerResponse;
  bytes: number;
  releasing: boolean;
}

// A property of the request rather than a WeakMap entry: every request gets one, and weak maps cost
// the garbage collector more than a plain property of an object that dies young.
const MEMORY = Symbol('requestMemory');
type TrackedRequest = IncomingMessage & { [MEMORY]?: RequestMemory };

/**
 * Makes `raw` reserve from `budget` (see holdMemory) until `response` ends. Called for every request
 * when it arrives (ApiFastifyAdapter's one `onRequest` hook).
 */
export function trackRequestMemory(raw: IncomingMessage, response: ServerResponse, budget: MemoryBudget): void {
  (raw as TrackedRequest)[MEMORY] = { budget, response, bytes: 0, releasing: false };
}

const MEMORY_BUSY_DETAIL = 'The service is receiving too much data at once; retry later';
const MEMORY_TOO_LARGE_DETAIL = 'Request too large for the memory this service gives one request';

/**
 * Reserves `bytes` more for this request until its response ends (sent, or its connection closed).
 * Returns null when held, else the error to answer: 503 (the budget is taken now; Retry-After is added
 * by the exception filter) or 413 (this request could never fit in the whole budget).
 */
export function holdMemory(request: Pick<FastifyRequest, 'raw'>, bytes: number): HttpException | null {
  const memory = (request.raw as TrackedRequest)[MEMORY];
  if (!memory || bytes <= 0) return null;
  const { budget } = memory;
  if (memory.bytes + bytes > budget.totalBytes) return new HttpException({ detail: MEMORY_TOO_LARGE_DETAIL }, 413);
  if (!budget.tryTake(bytes)) return new HttpException({ detail: MEMORY_BUSY_DETAIL }, 503);
  memory.bytes += bytes;
  if (!memory.releasing) {
    memory.releasing = true;
    // 'close' follows 'finish' on a sent response, and is emitted alone when the connection is lost.
    memory.response.once('close', () => {
      budget.give(memory.bytes);
      memory.bytes = 0;
    });
    // Already over (the client went away first): nothing will be sent, nothing is kept.
    if (memory.response.closed) {
      budget.give(memory.bytes);
      memory.bytes = 0;
    }
  }
  return null;
}
