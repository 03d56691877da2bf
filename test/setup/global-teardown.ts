import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const template = process.env.TEST_DATABASE_TEMPLATE;
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL;
  // On a shared server (DATABASE_URL) the template must not outlive the run; an embedded server goes whole.
  if (template && adminUrl && !globalThis.__EMBEDDED_PG__) {
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
  await globalThis.__EMBEDDED_PG__?.stop();
  globalThis.__EMBEDDED_PG__ = undefined;
}
