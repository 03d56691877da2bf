import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { toErrorResponse } from '../http/api-exception.filter';
import { classifyDatabaseFailure, DatabaseBusyError, isDatabaseUnavailableError } from './database-unavailable';

describe('isDatabaseUnavailableError', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it.each([
    ['connection refused', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['pool timeout', new Error('timeout exceeded when trying to connect')],
    ['connection lost', new Error('Connection terminated unexpectedly')],
    ['admin shutdown (57P01)', withCode('57P01', 'terminating connection due to administrator command')],
    ['connection exception class 08', withCode('08006')],
    ['wrapped by TypeORM', new QueryFailedError('SELECT 1', [], withCode('57P01'))],
    ['released query runner', new QueryRunnerAlreadyReleasedError()],
    ["a transaction's query runner released by a broken connection", new QueryRunnerProviderAlreadyReleasedError()],
    ['AggregateError of refusals', new AggregateError([withCode('ECONNREFUSED')], 'x')],
  ])('recognises %s', (_name, error) => {
    expect(isDatabaseUnavailableError(error)).toBe(true);
    expect(toErrorResponse(error)).toEqual({ status: 503, body: { detail: expect.any(String) } });
    expect(JSON.stringify(toErrorResponse(error).body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|57P01/);
  });

  it.each([
    ['a unique violation', new QueryFailedError('INSERT', [], withCode('23505', 'duplicate key value'))],
    ['a syntax error', withCode('42601', 'syntax error')],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['not an error', 'boom'],
  ])('leaves %s alone (still a 500)', (_name, error) => {
    expect(isDatabaseUnavailableError(error)).toBe(false);
    expect(toErrorResponse(error).status).toBe(500);
  });
});

describe('classifyDatabaseFailure', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it.each([
    [
      'statement_timeout (57014)',
      new QueryFailedError('SELECT', [], withCode('57014', 'canceling statement')),
      'timeout',
    ],
    ['lock_timeout (55P03)', new QueryFailedError('SELECT', [], withCode('55P03', 'lock timeout')), 'timeout'],
    ['the client deadline', new QueryFailedError('SELECT', [], new Error('Query read timeout')), 'timeout'],
    ['a full pool', new DatabaseBusyError('waited too long'), 'busy'],
    ['connection refused', withCode('ECONNREFUSED'), 'unavailable'],
    ['a unique violation', withCode('23505'), undefined],
  ])('%s → %s, each with its own 503 detail', (_name, error, failure) => {
    expect(classifyDatabaseFailure(error)).toBe(failure);
  });

  it('says "busy" for a full pool and "did not answer in time" for a deadline, not "cannot be reached"', () => {
    expect(toErrorResponse(new DatabaseBusyError('x'))).toEqual({
      status: 503,
      body: { detail: 'The service is busy, retry later.' },
    });
    expect(toErrorResponse(withCode('57014')).body.detail).toMatch(/did not answer in time/);
  });
});
