import { MigrationInterface, QueryRunner } from 'typeorm';
import { normalizeEmail } from '../../users/email-address';

/**
 * Rewrites stored emails to the normalised form (NFKC, lower case, IDNA ASCII domain) that register and
 * login now use. Older rows were only trimmed and lower-cased, so only non-ASCII addresses can change.
 * A row whose new form another row already has keeps its old form (login still finds it: see
 * UsersService.findByEmail). Not reversible: the old spellings are not kept (down does nothing).
 */
export class NormalizeUserEmails1795767100000 implements MigrationInterface {
  name = 'NormalizeUserEmails1795767100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const rows = (await queryRunner.query(
      `SELECT id, email FROM users WHERE email ~ '[^\\x01-\\x7f]' ORDER BY created_at, id`,
    )) as {
      id: string;
      email: string;
    }[];
    for (const row of rows) {
      const email = normalizeEmail(row.email);
      if (email === row.email) continue;
      await queryRunner.query(
        `UPDATE users SET email = $2 WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM users WHERE email = $2)`,
        [row.id, email],
      );
    }
  }

  public async down(): Promise<void> {
    // Nothing to undo that can be undone: the normalised forms are valid under the old code too.
  }
}
