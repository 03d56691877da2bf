import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const embedded = globalThis.__EMBEDDED_PG__;
  if (!embedded) return;
  await embedded.handle.stop();
  rmSync(embedded.runDir, { recursive: true, force: true });
  globalThis.__EMBEDDED_PG__ = undefined;
}
