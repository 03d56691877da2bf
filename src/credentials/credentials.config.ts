import { type ConfigOf, defineConfig, isProduction } from '../config/config-area';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** ENCRYPTION_KEYS: the ordered key ring of the stored credentials; the first key encrypts, all keys decrypt. */
export const credentialsConfig = defineConfig('credentials', (env, problems) => {
  const raw = env.ENCRYPTION_KEYS ?? '';
  if (!raw)
    problems.push(
      isProduction(env) ? 'ENCRYPTION_KEYS is required when NODE_ENV=production' : 'ENCRYPTION_KEYS is required',
    );
  return { encryptionKeys: raw ? parseEncryptionKeys(raw, problems) : [] };
});
export type CredentialsConfig = ConfigOf<typeof credentialsConfig>;

/** Parses `id:base64,id2:base64` into a key ring; pushes a problem for each bad entry. */
export function parseEncryptionKeys(raw: string, problems: string[]): EncryptionKey[] {
  const keys: EncryptionKey[] = [];
  const before = problems.length;
  for (const entry of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const sep = entry.indexOf(':');
    const id = sep > 0 ? entry.slice(0, sep) : '';
    const key = Buffer.from(sep > 0 ? entry.slice(sep + 1) : '', 'base64');
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      problems.push(
        'ENCRYPTION_KEYS: each entry must look like "id:base64-of-32-bytes" (id of letters, digits, _ or -)',
      );
    } else if (key.length !== 32) {
      problems.push(`ENCRYPTION_KEYS: key "${id}" must be 32 bytes encoded in base64`);
    } else if (keys.some((k) => k.id === id)) {
      problems.push(`ENCRYPTION_KEYS: key id "${id}" appears twice`);
    } else {
      keys.push({ id, key });
    }
  }
  if (keys.length === 0 && problems.length === before) problems.push('ENCRYPTION_KEYS: no key given');
  return keys;
}
