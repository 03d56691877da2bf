import { HttpException, HttpStatus } from '@nestjs/common';
import { UnprocessableEntityError } from '../errors/unprocessable-entity.error';

/** The ETag of a versioned resource: the version as a strong entity tag, e.g. `"7"`. */
export function formatEtag(version: number): string {
  return `"${version}"`;
}

/** A parsed `If-Match` header: `*`, or the versions it lists (opaque tags that are not versions match nothing). */
export type IfMatch = { any: true } | { any: false; versions: number[] };

// RFC 9110 entity-tag: optional W/, then a quoted string of etagc characters.
const ENTITY_TAG = /^(?:W\/)?"([\x21\x23-\x7e\x80-\xff]*)"$/;

/**
 * Parses `If-Match`. Accepts `"7"` and `W/"7"` (both compare by version), lists (`"6", "7"`) and `*`.
 * Absent or empty → undefined (no precondition). Anything that is not entity-tag syntax → 422.
 */
export function parseIfMatch(header: string | string[] | undefined): IfMatch | undefined {
  if (header === undefined) return undefined;
  const raw = (Array.isArray(header) ? header.join(',') : header).trim();
  if (raw === '') return undefined;
  if (raw === '*') return { any: true };
  const versions: number[] = [];
  for (const part of raw.split(',')) {
    const match = ENTITY_TAG.exec(part.trim());
    if (!match) {
      throw UnprocessableEntityError.single(
        ['header', 'if-match'],
        'If-Match must be "*" or a list of entity tags such as "7" or W/"7"',
        'value_error',
      );
    }
    if (/^[0-9]{1,15}$/.test(match[1])) versions.push(Number(match[1]));
  }
  return { any: false, versions };
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
