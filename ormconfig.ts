import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './src/database/data-source-options';
import { developmentDatabase } from './src/database/embedded-postgres';

/**
 * The DataSource used by the TypeORM CLI (`npm run migration:run`, `npm run migration:generate`).
 * It targets DATABASE_URL, or the embedded development database that `npm start` runs.
 */
export default new DataSource(buildDataSourceOptions(process.env.DATABASE_URL || developmentDatabase(process.env).url));
