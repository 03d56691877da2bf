import { randomBytes } from 'node:crypto';
// eslint-disable-next-line no-restricted-imports -- layer exception: house-data moves this out (credentials knows no table); remove the disable then
import type { AuditEntry } from '../audit/audit-log.repository';
// eslint-disable-next-line no-restricted-imports -- layer exception: house-data moves this out (credentials knows no table); remove the disable then
import type { StripeConfig } from '../stripe-config/stripe-config.entity';
// eslint-disable-next-line no-restricted-imports -- layer exception: house-data moves this out (credentials knows no table); remove the disable then
import type { StripeConfigRepository } from '../stripe-config/stripe-config.repository';
import { CredentialCipher, credentialContext, CredentialDecryptionError } from './credential-cipher';
import { CredentialsService, type StoredCredentials } from './credentials.service';

const k1 = { id: 'k1', key: randomBytes(32) };
const PROJECT = '5c3f3a2e-7d7e-4b52-9a55-0a4c1d1b2c3d';
const OTHER = '0e6f6d9a-1f0b-4a8e-8a7b-3b5c6d7e8f90';
const actor = { userId: 'a1b2c3d4-0000-4000-8000-000000000001', requestId: 'r'.repeat(200), clientIp: '203.0.113.9' };

/** Only what CredentialsService calls on the repository, recorded. */
class FakeConfigs {
  stored: {
    projectId: string;
    mode: string;
    endpointId: string;
    ciphertext: string;
    masked: string;
    audit: AuditEntry;
  }[] = [];
  hasRow = true;
  storeWebhookSecret(
    projectId: string,
    mode: string,
    endpointId: string,
    secret: { ciphertext: string; masked: string },
    audit: AuditEntry,
  ): Promise<boolean> {
    if (!this.hasRow) return Promise.resolve(false);
    this.stored.push({ projectId, mode, endpointId, ...secret, audit });
    return Promise.resolve(true);
  }
}

function row(values: Partial<StripeConfig>): StoredCredentials {
  return {
    projectId: PROJECT,
    testSecretKeyEncrypted: null,
    testPublishableKeyEncrypted: null,
    testWebhookSecretEncrypted: null,
    liveSecretKeyEncrypted: null,
    livePublishableKeyEncrypted: null,
    liveWebhookSecretEncrypted: null,
    ...values,
  };
}

describe('CredentialsService', () => {
  let configs: FakeConfigs;
  let credentials: CredentialsService;
  beforeEach(() => {
    configs = new FakeConfigs();
    credentials = new CredentialsService(new CredentialCipher([k1]), configs as unknown as StripeConfigRepository);
  });

  it('seals a credential: ciphertext bound to project and field, masked form, never the plaintext', () => {
    const sealed = credentials.seal(PROJECT, 'test_secret_key', 'sk_test_abcdefgh1234');
    expect(sealed.field).toBe('test_secret_key');
    expect(sealed.masked).toBe('sk_test_...1234');
    expect(sealed.ciphertext).toMatch(/^v1:k1:/);
    expect(sealed.ciphertext).not.toContain('abcdefgh');
    const cipher = new CredentialCipher([k1]);
    expect(cipher.decrypt(sealed.ciphertext, credentialContext(PROJECT, 'test_secret_key'))).toBe(
      'sk_test_abcdefgh1234',
    );
  });

  it('reveals a stored credential from its own column only; null when none is stored', () => {
    const sealed = credentials.seal(PROJECT, 'live_secret_key', 'rk_live_abcdefgh5678');
    expect(credentials.reveal(row({ liveSecretKeyEncrypted: sealed.ciphertext }), 'live_secret_key')).toBe(
      'rk_live_abcdefgh5678',
    );
    expect(credentials.reveal(row({}), 'live_secret_key')).toBeNull();
    // Copied to another field or another project: does not decrypt.
    expect(() => credentials.reveal(row({ testSecretKeyEncrypted: sealed.ciphertext }), 'test_secret_key')).toThrow(
      CredentialDecryptionError,
    );
    expect(() =>
      credentials.reveal(
        { ...row({ liveSecretKeyEncrypted: sealed.ciphertext }), projectId: OTHER },
        'live_secret_key',
      ),
    ).toThrow(CredentialDecryptionError);
  });

  it('fingerprints the stored ciphertext (md5, as PostgreSQL computes it), null when none', () => {
    const stored = row({ testSecretKeyEncrypted: 'v1:k1:abc' });
    expect(credentials.fingerprint(stored, 'test_secret_key')).toBe('471c0ad65fb16ff7dfbd3db053f48036');
    expect(credentials.fingerprint(stored, 'live_secret_key')).toBeNull();
    expect(credentials.fingerprint(null, 'test_secret_key')).toBeNull();
  });

  it('stores a webhook secret sealed for the mode, with its audit entry, and answers its masked form', async () => {
    const masked = await credentials.storeWebhookSecret(PROJECT, 'live', 'we_123', 'whsec_abcdefgh9999', actor);
    expect(masked).toBe('whsec_...9999');
    expect(configs.stored).toHaveLength(1);
    const [stored] = configs.stored;
    expect(stored).toMatchObject({ projectId: PROJECT, mode: 'live', endpointId: 'we_123', masked: 'whsec_...9999' });
    expect(credentials.reveal(row({ liveWebhookSecretEncrypted: stored.ciphertext }), 'live_webhook_secret')).toBe(
      'whsec_abcdefgh9999',
    );
    expect(stored.audit).toEqual({
      userId: actor.userId,
      requestId: 'r'.repeat(128),
      clientIp: '203.0.113.9',
      changedFields: ['live_webhook_secret'],
    });
  });

  it('answers null when there is no configuration to store the webhook secret in', async () => {
    configs.hasRow = false;
    expect(await credentials.storeWebhookSecret(PROJECT, 'test', 'we_1', 'whsec_abcdefgh0000', actor)).toBeNull();
  });

  it('masks like the rest of the service', () => {
    expect(credentials.mask('pk_live_abcdefgh4321')).toBe('pk_live_...4321');
  });
});
