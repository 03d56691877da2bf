import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, EMBEDDED_DEV_DATABASE_URL } from './src/database/data-source-options';

/**
 * The DataSource used by the TypeORM CLI (`npm run migration:run`, `npm run migration:generate`).
 * It targets DATABASE_URL, or the embedded development database that `npm start` runs.
 */
export default new DataSource(buildDataSourceOptions(process.env.DATABASE_URL || EMBEDDED_DEV_DATABASE_URL));
