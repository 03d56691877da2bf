import 'reflect-metadata';
import { runService } from './bootstrap';
import { loadConfig } from './app.config';

/**
 * The production entry point (`npm run start:prod`, dist/main.js): the configuration comes from the
 * environment alone, DATABASE_URL included. `npm start` runs main.dev.ts, which adds an embedded
 * PostgreSQL for development.
 */
runService(async (onNotice) => loadConfig(process.env, onNotice));
