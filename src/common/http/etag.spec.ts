import { HttpStatus } from '@nestjs/common';
import { UnprocessableEntityError } from '../errors/unprocessable-entity.error';
import { assertIfMatch, formatEtag, parseIfMatch, PreconditionFailedError } from './etag';

describe('ETag / If-Match', () => {
  it('formats a version as a strong entity tag', () => {
    expect(formatEtag(7)).toBe('"7"');
  });

  it.each([
    [undefined, undefined],
    ['', undefined],
    ['*', { any: true }],
    ['"7"', { any: false, versions: [7] }],
    ['W/"7"', { any: false, versions: [7] }],
    [' "6" , W/"7" ', { any: false, versions: [6, 7] }],
    ['"abc"', { any: false, versions: [] }],
  ])('parses %p', (header, expected) => {
    expect(parseIfMatch(header)).toEqual(expected);
  });

  it.each(['7', 'W/7', '"7', 'abc', '"7" "8"', '**'])('rejects the malformed %p with a 422', (header) => {
    expect(() => parseIfMatch(header)).toThrow(UnprocessableEntityError);
  });

  it('412 unless the current version is listed; * needs an existing resource', () => {
    expect(() => assertIfMatch(undefined, 3)).not.toThrow();
    expect(() => assertIfMatch({ any: false, versions: [2, 3] }, 3)).not.toThrow();
    expect(() => assertIfMatch({ any: true }, 3)).not.toThrow();
    expect(() => assertIfMatch({ any: true }, null)).toThrow(PreconditionFailedError);
    try {
      assertIfMatch({ any: false, versions: [2] }, 3);
      throw new Error('expected a 412');
    } catch (error) {
      expect(error).toBeInstanceOf(PreconditionFailedError);
      expect((error as PreconditionFailedError).getStatus()).toBe(HttpStatus.PRECONDITION_FAILED);
      expect((error as PreconditionFailedError).getResponse()).toEqual({
        detail: expect.stringContaining('version 3'),
      });
    }
  });
});
