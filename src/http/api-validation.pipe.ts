import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { UnprocessableEntityError, ValidationIssue } from './unprocessable-entity.error';
import { findUnstorableInput } from '../common/storable-text';

/** class-validator constraint name → the error `type` of the reference API's 422 body. */
const ERROR_TYPES: Record<string, string> = {
  whitelistValidation: 'extra_forbidden',
  isDefined: 'missing',
  isNotEmpty: 'missing',
  isString: 'string_type',
  isBoolean: 'bool_type',
  isInt: 'int_parsing',
  isEmail: 'value_error',
  emailCharacters: 'value_error',
  isUuid: 'uuid_parsing',
  isIn: 'literal_error',
  isEnum: 'enum',
  minLength: 'string_too_short',
  maxLength: 'string_too_long',
  min: 'greater_than_equal',
  max: 'less_than_equal',
  matches: 'string_pattern_mismatch',
  noBidiControls: 'value_error',
};

/** Constraints that check the type of a value; when one fails, the others say nothing useful. */
const TYPE_CONSTRAINTS = new Set(['isString', 'isBoolean', 'isInt', 'isNumber']);

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Flattens nested class-validator errors into reference-style issues with their location. */
function toValidationIssues(
  errors: ValidationError[],
  location: string,
  parent: (string | number)[] = [],
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    const loc = [...(parent.length ? parent : [location]), error.property];
    const constraints = Object.entries(error.constraints ?? {});
    if (constraints.length > 0 && error.value === undefined) {
      // Optional fields skip validation when absent: any failure on an absent value means it is required.
      issues.push({ loc, msg: 'Field required', type: 'missing' });
      continue;
    }
    // A value of the wrong type gets its type error only, not also length or pattern complaints.
    const typeErrors = constraints.filter(([constraint]) => TYPE_CONSTRAINTS.has(constraint));
    for (const [constraint, message] of typeErrors.length > 0 ? typeErrors : constraints) {
      const isUnknown = constraint === 'whitelistValidation';
      issues.push({
        loc,
        msg: isUnknown ? 'Extra inputs are not permitted' : message,
        type: ERROR_TYPES[constraint] ?? constraint,
      });
    }
    if (error.children?.length) issues.push(...toValidationIssues(error.children, location, loc));
  }
  return issues;
}

const UNSTORABLE_TEXT_MESSAGE = 'Input should be text without NUL characters or unpaired surrogates';

/** No request body of ours nests this deep; deeper input would only exhaust the validators' stack. */
const MAX_BODY_DEPTH = 16;

/** The first forbidden key, or the first value nested deeper than MAX_BODY_DEPTH, with its location. */
function findForbiddenKey(
  value: unknown,
  path: (string | number)[],
  depth = 0,
): { loc: (string | number)[]; tooDeep: boolean } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_BODY_DEPTH) return { loc: path, tooDeep: true };
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return { loc: [...path, key], tooDeep: false };
    const nested = findForbiddenKey((value as Record<string, unknown>)[key], [...path, key], depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * The global ValidationPipe: whitelist + forbid unknown properties + transform, with every failure
 * reported as the reference API's 422 body. Bodies that are not JSON objects, and objects carrying
 * prototype-polluting keys, are rejected before class-transformer ever sees them.
 */
@Injectable()
export class ApiValidationPipe extends ValidationPipe {
  /** `validateCustomDecorators`: false for the global instance; custom decorators opt in by passing their own. */
  constructor(options: { validateCustomDecorators?: boolean } = {}) {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      validateCustomDecorators: options.validateCustomDecorators ?? false,
      transformOptions: { enableImplicitConversion: false },
      exceptionFactory: (errors) => new UnprocessableEntityError(toValidationIssues(errors, 'body')),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const validatesClass = metadata.metatype && !this.isPrimitiveClass(metadata.metatype);
    if ((metadata.type === 'body' || metadata.type === 'custom') && validatesClass) {
      if (value === undefined || value === null) {
        throw UnprocessableEntityError.single(['body'], 'Field required', 'missing');
      }
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw UnprocessableEntityError.single(
          ['body'],
          'Input should be a valid dictionary or object',
          'model_attributes_type',
        );
      }
      const forbidden = findForbiddenKey(value, ['body']);
      if (forbidden?.tooDeep)
        throw UnprocessableEntityError.single(forbidden.loc.slice(0, 3), 'Input is nested too deeply', 'value_error');
      if (forbidden)
        throw UnprocessableEntityError.single(forbidden.loc, 'Extra inputs are not permitted', 'extra_forbidden');
    }
    if (metadata.metatype === Function) return value;
    this.refuseUnstorableText(value, metadata);
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (error instanceof UnprocessableEntityError && metadata.type !== 'body') {
        // Same rules for query strings and custom decorators, reported at their own location.
        const location = metadata.type === 'custom' ? 'body' : metadata.type;
        throw new UnprocessableEntityError(error.issues.map((i) => ({ ...i, loc: [location, ...i.loc.slice(1)] })));
      }
      throw error;
    }
  }

  /**
   * Every string of every body, query, path parameter and custom decorator input, keys included: a NUL
   * or an unpaired surrogate is a 422 here, before any code could try to store it (PostgreSQL refuses
   * both, which would otherwise be a 500). Depth is bounded for bodies above; MAX_BODY_DEPTH again here.
   */
  private refuseUnstorableText(value: unknown, metadata: ArgumentMetadata): void {
    // Custom decorators' values (the user, the project...) come from us, unless they opted in to validation.
    if (metadata.type === 'custom' && !this.validateCustomDecorators) return;
    const found = findUnstorableInput(value, MAX_BODY_DEPTH + 1);
    if (found?.reason !== 'text') return;
    const location = { custom: 'body', param: 'path' }[metadata.type as string] ?? metadata.type;
    const loc = metadata.type === 'param' && metadata.data ? [location, metadata.data] : [location, ...found.path];
    throw UnprocessableEntityError.single(loc, UNSTORABLE_TEXT_MESSAGE, 'string_unicode');
  }

  /**
   * Not DTOs: nothing to validate. `Function` is what tsc (isolatedModules) emits for a parameter typed
   * with a type-only import, e.g. `@RequestProject() project: Project`; validating it would be a 422.
   */
  private isPrimitiveClass(metatype: unknown): boolean {
    return [String, Boolean, Number, Array, Object, Function].includes(metatype as never);
  }
}
