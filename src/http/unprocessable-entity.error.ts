import { HttpException, HttpStatus } from '@nestjs/common';

/** One entry of the reference API's 422 body: `{"loc": ["body", "field"], "msg": "...", "type": "..."}`. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** 422 with the reference body `{"detail": [ValidationIssue, ...]}`. */
export class UnprocessableEntityError extends HttpException {
  constructor(public readonly issues: ValidationIssue[]) {
    super({ detail: issues }, HttpStatus.UNPROCESSABLE_ENTITY);
  }

  static single(loc: (string | number)[], msg: string, type: string): UnprocessableEntityError {
    return new UnprocessableEntityError([{ loc, msg, type }]);
  }

  /** The reference API's answer to a malformed UUID, e.g. in the path: `['path', 'project_id']`. */
  static invalidUuid(loc: (string | number)[]): UnprocessableEntityError {
    return UnprocessableEntityError.single(loc, 'Input should be a valid UUID', 'uuid_parsing');
  }
}
