import { domainToASCII } from 'node:url';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The normalised form as this migration defines it (the same as normalizeEmail in
 * src/users/email-address.ts when it was written): a migration keeps its own copy, so that what it
 * does never changes with the feature's code.
 */
const INVISIBLE =
  /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Z}\p{Default_Ignorable_Code_Point}\u2800\u3164\uffa0\u115f\u1160]/u;

function normalizeEmail(raw: string): string {
  const text = raw.trim().normalize('NFKC').toLowerCase().normalize('NFKC');
  const at = text.lastIndexOf('@');
  if (at <= 0 || INVISIBLE.test(text)) return text;
  const domain = domainToASCII(text.slice(at + 1));
  return domain ? `${text.slice(0, at)}@${domain}` : text;
}

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
