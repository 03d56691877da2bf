import { auditEntry, auditEntryValues, auditInsertSql } from './audit-log.repository';

describe('audit row definition', () => {
  const actor = { userId: 'u1', requestId: 'x'.repeat(300), clientIp: '2001:db8::1'.padEnd(100, '0') };

  it('cuts the request id and client IP to their columns and keeps field names', () => {
    const entry = auditEntry(actor, ['test_secret_key', 'is_active']);
    expect(entry.requestId).toHaveLength(128);
    expect(entry.clientIp).toHaveLength(64);
    expect(auditEntryValues(entry, 60)).toEqual([
      'u1',
      entry.requestId,
      entry.clientIp,
      ['test_secret_key', 'is_active'],
      60,
    ]);
    expect(auditEntry({ ...actor, clientIp: null }, []).clientIp).toBeNull();
  });

  it('refuses anything that is not a field name (a value cannot reach the log)', () => {
    expect(() => auditEntry(actor, ['sk_test_abcdefgh1234 '])).toThrow(/field names/);
    expect(() => auditEntry(actor, ['Test'])).toThrow(/field names/);
  });

  it('builds the INSERT used inside the statement that makes the change', () => {
    const sql = auditInsertSql({ projectId: 'project_id', action: `'update'`, entry: 5, from: 'written' });
    const flat = sql.replace(/\s+/g, ' ');
    expect(flat).toContain(
      "SELECT e.project_id, $5::uuid, CASE WHEN o.over THEN 'coalesced' ELSE e.action END, e.fields, $6::varchar, $7::varchar",
    );
    expect(flat).toContain(
      "FROM (SELECT project_id AS project_id, 'update' AS action, $8::text[] AS fields FROM written) e",
    );
    // Beyond $9 rows this minute, the write is counted in the project's summary row of the minute.
    expect(flat).toContain('count(*) >= $9::int');
    expect(flat).toContain('ON CONFLICT (project_id, coalesced_minute) WHERE coalesced_minute IS NOT NULL DO UPDATE');
  });
});
