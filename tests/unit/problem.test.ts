/**
 * How failures of the parts behind the API become problems: a dependency that cannot be reached, or a
 * connection that breaks under a request (Postgres restarting, a failover), is a 503 "retry", never a 500.
 */
import { toProblem } from '../../src/problems/to-problem';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('connection failures are 503 with Retry-After', () => {
  test.each([
    [
      'Postgres shutting down under the query (57P01)',
      pgError('57P01', 'terminating connection due to administrator command'),
    ],
    ['Postgres starting up (57P03)', pgError('57P03', 'the database system is starting up')],
    ['Postgres out of connections (53300)', pgError('53300', 'sorry, too many clients already')],
    ['a connection exception (08006)', pgError('08006', 'connection failure')],
    [
      'the connection dropped mid-query (pg: no code; knex prefixes the SQL)',
      new Error('select * from "users" - Connection terminated unexpectedly'),
    ],
    ['nobody listening', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['the peer reset the connection', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    [
      'no pooled connection in time',
      Object.assign(new Error('Knex: Timeout acquiring a connection'), { name: 'KnexTimeoutError' }),
    ],
    [
      'wrapped by objection (a DBError keeps the driver error as nativeError)',
      Object.assign(new Error('terminating connection'), {
        name: 'DBError',
        nativeError: { message: 'Connection terminated unexpectedly' },
      }),
    ],
    [
      'wrapped as a cause',
      new Error('could not load the course', {
        cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      }),
    ],
  ])('%s', (_, err) => {
    const { problem, internal } = toProblem(err);
    expect(problem.status).toBe(503);
    expect(problem.headers).toEqual({ 'Retry-After': '1' });
    expect(internal).toBe(true);
  });
});

test('anything else unexpected stays a 500', () => {
  expect(toProblem(new Error('Cannot read properties of undefined')).problem.status).toBe(500);
  expect(toProblem(pgError('42P01', 'relation "nope" does not exist')).problem.status).toBe(500);
});

test('a client error carrying a socket code stays the client error', () => {
  const aborted = Object.assign(new Error('request aborted'), { code: 'ECONNRESET', status: 400, expose: true });
  expect(toProblem(aborted).problem.status).toBe(400);
});
