import { randomBytes } from 'node:crypto';
import { NotFoundException } from '@nestjs/common';
import type { AuditEntry } from '../audit/audit-log.repository';
import { PreconditionFailedError } from '../http/etag';
import { CredentialCipher } from '../credentials/credential-cipher';
import { CredentialsService } from '../credentials/credentials.service';
import type { StripeApiClient } from '../stripe/stripe-api.client';
import { StripeConfigCredentials } from './stripe-config-credentials';
import { credentialContext, type StripeConfig } from './stripe-config.entity';
import type { StripeConfigView } from './stripe-config.mapper';
import type {
  CredentialsWriteResult,
  CredentialWrite,
  DeactivateResult,
  StripeConfigRepository,
} from './stripe-config.repository';
import { StripeConfigService } from './stripe-config.service';

const PROJECT = '5c3f3a2e-7d7e-4b52-9a55-0a4c1d1b2c3d';
const actor = { userId: 'a1b2c3d4-0000-4000-8000-000000000001', requestId: 'req-1', clientIp: null };
const k1 = { id: 'k1', key: randomBytes(32) };

function view(version: number): StripeConfigView {
  return {
    id: 'c1',
    projectId: PROJECT,
    isActive: true,
    hasTestCredentials: true,
    hasLiveCredentials: false,
    testSecretKeyMasked: 'sk_test_...1234',
    testPublishableKeyMasked: null,
    testWebhookSecretMasked: null,
    liveSecretKeyMasked: null,
    livePublishableKeyMasked: null,
    liveWebhookSecretMasked: null,
    testConfiguredAt: new Date(0),
    liveConfiguredAt: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    version,
  };
}

/** The repository methods the service calls, recording their arguments. */
class FakeConfigs {
  writes: {
    credentials: readonly CredentialWrite[];
    touched: object;
    ifMatch: unknown;
    audit: AuditEntry;
  }[] = [];
  writeResult: CredentialsWriteResult = { outcome: 'written', view: view(3), isNew: false };
  deactivations: { ifMatch: unknown; audit: AuditEntry }[] = [];
  deactivateResult: DeactivateResult = { outcome: 'deactivated' };
  row: Partial<StripeConfig> | null = null;
  secrets: {
    projectId: string;
    mode: string;
    endpointId: string;
    ciphertext: string;
    masked: string;
    audit: AuditEntry;
  }[] = [];
  hasRow = true;

  writeCredentials(
    _projectId: string,
    credentials: readonly CredentialWrite[],
    touched: object,
    ifMatch: unknown,
    audit: AuditEntry,
  ): Promise<CredentialsWriteResult> {
    this.writes.push({ credentials, touched, ifMatch, audit });
    return Promise.resolve(this.writeResult);
  }
  findByProjectId(): Promise<Partial<StripeConfig> | null> {
    return Promise.resolve(this.row);
  }
  storeWebhookSecret(
    projectId: string,
    mode: string,
    endpointId: string,
    secret: { ciphertext: string; masked: string },
    audit: AuditEntry,
  ): Promise<boolean> {
    if (!this.hasRow) return Promise.resolve(false);
    this.secrets.push({ projectId, mode, endpointId, ciphertext: secret.ciphertext, masked: secret.masked, audit });
    return Promise.resolve(true);
  }
  deactivate(_projectId: string, ifMatch: unknown, audit: AuditEntry): Promise<DeactivateResult> {
    this.deactivations.push({ ifMatch, audit });
    return Promise.resolve(this.deactivateResult);
  }
}

describe('StripeConfigService (repository replaced by a fake)', () => {
  let configs: FakeConfigs;
  let service: StripeConfigService;
  const cipher = new CredentialCipher([k1]);
  beforeEach(() => {
    configs = new FakeConfigs();
    const repository = configs as unknown as StripeConfigRepository;
    const credentials = new StripeConfigCredentials(new CredentialsService(cipher));
    service = new StripeConfigService(repository, credentials, {} as StripeApiClient, {
      publicBaseUrl: 'https://api.example.com',
    });
  });

  it('PUT: seals each credential sent, once, and writes them with the touched modes and the audit entry', async () => {
    const result = await service.upsert(
      PROJECT,
      { test_secret_key: 'sk_test_abcdefgh1234', live_publishable_key: 'pk_live_abcdefgh5678' },
      actor,
      { any: false, versions: [2] },
    );
    expect(result.version).toBe(3);
    expect(result.body.test_secret_key_masked).toBe('sk_test_...1234');
    expect(configs.writes).toHaveLength(1);
    const [write] = configs.writes;
    expect(write.touched).toEqual({ test: true, live: true });
    expect(write.ifMatch).toEqual([2]);
    expect(write.audit).toEqual({
      userId: actor.userId,
      requestId: 'req-1',
      clientIp: null,
      changedFields: ['test_secret_key', 'live_publishable_key'],
    });
    expect(write.credentials.map((c) => [c.field, c.masked])).toEqual([
      ['test_secret_key', 'sk_test_...1234'],
      ['live_publishable_key', 'pk_live_...5678'],
    ]);
    const secret = write.credentials[0];
    expect(cipher.decrypt(secret.ciphertext, credentialContext(PROJECT, 'test_secret_key'))).toBe(
      'sk_test_abcdefgh1234',
    );
    expect(secret.fingerprint).toBe(new CredentialsService(cipher).fingerprint(secret.ciphertext));
  });

  it('PUT: stores the Stripe account an API key embeds, null when the key has another shape', async () => {
    const account = '1H8Xq2abcdefghij'; // 16 characters after `_5`
    await service.upsert(
      PROJECT,
      { test_secret_key: `sk_test_5${account}xyz`, test_publishable_key: 'pk_test_abcdefgh1234' },
      actor,
    );
    expect(configs.writes[0].credentials.map((c) => [c.field, c.account])).toEqual([
      ['test_secret_key', account],
      ['test_publishable_key', null],
    ]);
  });

  it('stores a webhook secret sealed for the mode, with its audit entry, and answers its masked form', async () => {
    const masked = await service.storeWebhookSecret(PROJECT, 'live', 'we_123', 'whsec_abcdefgh9999', actor);
    expect(masked).toBe('whsec_...9999');
    expect(configs.secrets).toHaveLength(1);
    const [stored] = configs.secrets;
    expect(stored).toMatchObject({ projectId: PROJECT, mode: 'live', endpointId: 'we_123', masked: 'whsec_...9999' });
    expect(cipher.decrypt(stored.ciphertext, credentialContext(PROJECT, 'live_webhook_secret'))).toBe(
      'whsec_abcdefgh9999',
    );
    expect(stored.audit.changedFields).toEqual(['live_webhook_secret']);
    configs.hasRow = false;
    expect(await service.storeWebhookSecret(PROJECT, 'test', 'we_1', 'whsec_abcdefgh0000', actor)).toBeNull();
  });

  it('PUT: 422 without a credential, before any write', async () => {
    await expect(service.upsert(PROJECT, {}, actor)).rejects.toMatchObject({ status: 422 });
    expect(configs.writes).toHaveLength(0);
  });

  it('PUT: a failed If-Match is the 412 naming the current version', async () => {
    configs.writeResult = { outcome: 'precondition-failed', currentVersion: 7 };
    await expect(service.upsert(PROJECT, { test_secret_key: 'sk_test_abcdefgh1234' }, actor)).rejects.toThrow(
      PreconditionFailedError,
    );
  });

  it('DELETE: deactivates with an audit entry naming is_active; 404 and 412 from the outcome', async () => {
    expect(await service.deactivate(PROJECT, actor, { any: true })).toEqual([]);
    expect(configs.deactivations).toEqual([
      {
        ifMatch: null,
        audit: { userId: actor.userId, requestId: 'req-1', clientIp: null, changedFields: ['is_active'] },
      },
    ]);
    // With a row read before the deactivation, every registered listener gets it and reports.
    configs.row = { projectId: PROJECT };
    const seen: unknown[] = [];
    service.onDeactivated((config) => {
      seen.push(config);
      return Promise.resolve([{ mode: 'test', endpointId: 'we_1', removed: true }]);
    });
    expect(await service.deactivate(PROJECT, actor)).toEqual([{ mode: 'test', endpointId: 'we_1', removed: true }]);
    expect(seen).toEqual([{ projectId: PROJECT }]);
    configs.deactivateResult = { outcome: 'not-found' };
    await expect(service.deactivate(PROJECT, actor)).rejects.toThrow(NotFoundException);
    configs.deactivateResult = { outcome: 'precondition-failed', currentVersion: 4 };
    await expect(service.deactivate(PROJECT, actor)).rejects.toThrow(PreconditionFailedError);
  });
});
