import { HttpStatus } from '@nestjs/common';
import { UnprocessableEntityError } from './unprocessable-entity.error';
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
    [' "6" , "7" ', { any: false, versions: [6, 7] }],
    ['"abc"', { any: false, versions: [] }],
    // RFC 9110 §13.1.1: If-Match uses the strong comparison, so a weak tag never matches.
    ['W/"7"', { any: false, versions: [] }],
    [' "6" , W/"7" ', { any: false, versions: [6] }],
    // Entity tags are opaque strings compared character by character: "066" is not "66".
    ['"066"', { any: false, versions: [] }],
    ['"0"', { any: false, versions: [0] }],
    ['"00"', { any: false, versions: [] }],
    ['"+7"', { any: false, versions: [] }],
    ['"7.0"', { any: false, versions: [] }],
    ['"1e1"', { any: false, versions: [] }],
    ['"9999999999999999"', { any: false, versions: [] }],
    // A comma is a legal etagc character inside the quotes, and empty list elements are allowed (§5.6.1).
    ['"6,7"', { any: false, versions: [] }],
    ['"6,7", "8"', { any: false, versions: [8] }],
    [', "7",, "8" ,', { any: false, versions: [7, 8] }],
    [['"6"', '"7"'], { any: false, versions: [6, 7] }],
  ])('parses %p', (header, expected) => {
    expect(parseIfMatch(header)).toEqual(expected);
  });

  it.each(['7', 'W/7', '"7', 'abc', '"7" "8"', '**', '*, "7"', '"7", *', 'w/"7"', 'W/ "7"', '"7"x', ',', ' , '])(
    'rejects the malformed %p with a 422',
    (header) => {
      expect(() => parseIfMatch(header)).toThrow(UnprocessableEntityError);
    },
  );

  it('"066" and W/"66" do not match version 66; "66" does', () => {
    expect(() => assertIfMatch(parseIfMatch('"066"'), 66)).toThrow(PreconditionFailedError);
    expect(() => assertIfMatch(parseIfMatch('W/"66"'), 66)).toThrow(PreconditionFailedError);
    expect(() => assertIfMatch(parseIfMatch('"66"'), 66)).not.toThrow();
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
