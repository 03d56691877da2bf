import { ExpressAdapter } from '@nestjs/platform-express';

/**
 * Nest's Express adapter sends an empty body when a handler returns null. Our contract (and the
 * reference API's) is a JSON `null` with 200 for "no configuration yet", so null is written as JSON.
 * `undefined` (void handlers, e.g. 204) still sends no body.
 */
export class JsonNullExpressAdapter extends ExpressAdapter {
  override reply(response: unknown, body: unknown, statusCode?: number): unknown {
    if (body === null) {
      const res = response as { status(code: number): unknown; json(value: unknown): unknown };
      if (statusCode) res.status(statusCode);
      return res.json(null);
    }
    return super.reply(response, body, statusCode);
  }
}
