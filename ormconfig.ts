import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { appDataSourceOptions } from './src/app.entities';
import { developmentDatabase } from './src/database/embedded-postgres';

/**
 * The DataSource used by the TypeORM CLI (`npm run migration:run`, `npm run migration:generate`).
 * It targets DATABASE_URL, or the embedded development database that `npm start` runs.
 */
export default new DataSource(appDataSourceOptions(process.env.DATABASE_URL || developmentDatabase(process.env).url));
