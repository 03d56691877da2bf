import { auditEntry, auditEntryValues, auditInsertSql } from './audit-log.repository';

describe('audit row definition', () => {
  const actor = { userId: 'u1', requestId: 'x'.repeat(300), clientIp: '2001:db8::1'.padEnd(100, '0') };

  it('cuts the request id and client IP to their columns and keeps field names', () => {
    const entry = auditEntry(actor, ['test_secret_key', 'is_active']);
    expect(entry.requestId).toHaveLength(128);
    expect(entry.clientIp).toHaveLength(64);
    expect(auditEntryValues(entry)).toEqual(['u1', entry.requestId, entry.clientIp, ['test_secret_key', 'is_active']]);
    expect(auditEntry({ ...actor, clientIp: null }, []).clientIp).toBeNull();
  });

  it('refuses anything that is not a field name (a value cannot reach the log)', () => {
    expect(() => auditEntry(actor, ['sk_test_abcdefgh1234 '])).toThrow(/field names/);
    expect(() => auditEntry(actor, ['Test'])).toThrow(/field names/);
  });

  it('builds the INSERT used inside the statement that makes the change', () => {
    const sql = auditInsertSql({ projectId: 'project_id', action: `'update'`, entry: 5, from: 'written' });
    expect(sql.replace(/\s+/g, ' ')).toBe(
      "INSERT INTO audit_log (project_id, user_id, action, changed_fields, request_id, client_ip) SELECT project_id, $5::uuid, 'update', $8::text[], $6::varchar, $7::varchar FROM written",
    );
  });
});
