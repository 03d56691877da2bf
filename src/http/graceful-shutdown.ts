import type { INestApplication, LoggerService } from '@nestjs/common';
import type { Server } from 'node:http';

/**
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish (up to `timeoutMs`,
 * then their connections are closed), then close the app — which closes the database pool — and
 * exit 0. Nest's enableShutdownHooks() would close the pool while requests are still running and
 * re-raise the signal (exit status 143), so this replaces it.
 */
export function installGracefulShutdown(
  app: INestApplication,
  logger: LoggerService,
  options: { timeoutMs: number; exit?: (code: number) => void },
): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.log(`${signal} received: draining in-flight requests`, 'Shutdown');
    const server = app.getHttpServer() as Server;
    try {
      await drain(server, options.timeoutMs);
      await app.close();
      logger.log('HTTP server and database pool closed; exiting', 'Shutdown');
      exit(0);
    } catch (error) {
      logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`, 'Shutdown');
      exit(1);
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, (s) => void shutdown(s));
}

/** Stops listening and resolves once every connection is gone (idle keep-alive ones are closed). */
function drain(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const idleCloser = setInterval(() => server.closeIdleConnections(), 100);
    const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearInterval(idleCloser);
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}
