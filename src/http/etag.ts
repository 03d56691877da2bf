import { HttpException, HttpStatus } from '@nestjs/common';
import { UnprocessableEntityError } from './unprocessable-entity.error';

/** The ETag of a versioned resource: the version as a strong entity tag, e.g. `"7"`. */
export function formatEtag(version: number): string {
  return `"${version}"`;
}

/** A parsed `If-Match` header: `*`, or the versions it lists (opaque tags that are not versions match nothing). */
export type IfMatch = { any: true } | { any: false; versions: number[] };

// RFC 9110 §8.8.3 entity-tag at a position: optional W/, then a quoted string of etagc characters
// (which include the comma: `"6,7"` is one tag).
const ENTITY_TAG = /(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/y;
// The form formatEtag produces: a version in canonical decimal. `"066"` is another tag than `"66"`.
const VERSION_TAG = /^(?:0|[1-9][0-9]{0,14})$/;

function malformed(): UnprocessableEntityError {
  return UnprocessableEntityError.single(
    ['header', 'if-match'],
    'If-Match must be "*" or a comma-separated list of entity tags such as "7"',
    'value_error',
  );
}

/** The entity tags of a `#entity-tag` list (empty elements allowed, RFC 9110 §5.6.1); null if malformed. */
function parseEntityTags(raw: string): { weak: boolean; opaque: string }[] | null {
  const tags: { weak: boolean; opaque: string }[] = [];
  let i = 0;
  const skipSpace = () => {
    while (raw[i] === ' ' || raw[i] === '\t') i++;
  };
  while (i < raw.length) {
    skipSpace();
    if (raw[i] === ',') {
      i++;
      continue;
    }
    if (i >= raw.length) break;
    ENTITY_TAG.lastIndex = i;
    const match = ENTITY_TAG.exec(raw);
    if (!match) return null;
    tags.push({ weak: match[1] !== undefined, opaque: match[2] });
    i = ENTITY_TAG.lastIndex;
    skipSpace();
    if (i < raw.length && raw[i] !== ',') return null;
  }
  return tags;
}

/**
 * Parses `If-Match` (RFC 9110 §13.1.1): `*`, or a list of entity tags (`"6", "7"`). If-Match uses the
 * strong comparison (§8.8.3.2): a weak tag (`W/"7"`) never matches, and tags are compared as opaque
 * strings, so only the exact form of an ETag sent (`"7"`, not `"07"`) names a version.
 * Absent or empty → undefined (no precondition). Anything that is not that syntax → 422.
 */
export function parseIfMatch(header: string | string[] | undefined): IfMatch | undefined {
  if (header === undefined) return undefined;
  const raw = (Array.isArray(header) ? header.join(',') : header).trim();
  if (raw === '') return undefined;
  if (raw === '*') return { any: true };
  const tags = parseEntityTags(raw);
  if (tags === null || tags.length === 0) throw malformed();
  const versions = tags.filter((tag) => !tag.weak && VERSION_TAG.test(tag.opaque)).map((tag) => Number(tag.opaque));
  return { any: false, versions };
}

/** `If-Match` as a repository condition: undefined = none, null = `*` (any existing row), else the versions. */
export function ifMatchVersions(ifMatch: IfMatch | undefined): number[] | null | undefined {
  return ifMatch === undefined ? undefined : ifMatch.any ? null : ifMatch.versions;
}

/** 412 naming the current version, so a client can reload and retry. */
export class PreconditionFailedError extends HttpException {
  constructor(currentVersion: number | null) {
    super(
      {
        detail:
          currentVersion === null
            ? 'Precondition failed: If-Match was given but the configuration does not exist yet'
            : `Precondition failed: the configuration is at version ${currentVersion} (ETag ${formatEtag(currentVersion)}); reload it and retry`,
      },
      HttpStatus.PRECONDITION_FAILED,
    );
  }
}

/** Throws 412 unless `ifMatch` matches `currentVersion` (null: the resource does not exist). */
export function assertIfMatch(ifMatch: IfMatch | undefined, currentVersion: number | null): void {
  if (!ifMatch) return;
  if (currentVersion !== null && (ifMatch.any || ifMatch.versions.includes(currentVersion))) return;
  throw new PreconditionFailedError(currentVersion);
}
