import { ApiError, ERROR_STATUS, type ErrorCode } from '../../lambdas/domain/errors';
import { errorResponse, toErrorResponse } from '../../lambdas/http/error-response';

const bodyOf = (r: { body: string }) => JSON.parse(r.body) as Record<string, unknown>;

describe('toErrorResponse', () => {
  it.each(Object.entries(ERROR_STATUS) as [ErrorCode, number][])(
    'maps ApiError %s to %i with its message',
    (code, status) => {
      const { response, unexpected } = toErrorResponse(new ApiError(code, 'Some sentence for the client.'));
      expect(response.statusCode).toBe(status);
      expect(response.headers['Content-Type']).toBe('application/json');
      expect(bodyOf(response)).toStrictEqual({ error: code, message: 'Some sentence for the client.' });
      expect(unexpected).toBe(false);
    },
  );

  it('answers any other Error with 500 and a fixed message that reveals nothing', () => {
    const secretish = 'ResourceNotFoundException: table prod-TokenTable-1A2B3C not found at /var/task/index.js:1:2';
    const error = new Error(secretish);
    error.name = 'ResourceNotFoundException';
    const { response, unexpected } = toErrorResponse(error);
    expect(response.statusCode).toBe(500);
    const body = bodyOf(response);
    expect(Object.keys(body).sort()).toStrictEqual(['error', 'message']);
    expect(body.error).toBe('internal_error');
    expect(response.body).not.toContain('TokenTable');
    expect(response.body).not.toContain('ResourceNotFound');
    expect(response.body).not.toContain('/var/task');
    expect(unexpected).toBe(true);
    // Fixed: the same sentence whatever went wrong.
    expect(bodyOf(toErrorResponse(new TypeError('x is undefined')).response).message).toBe(body.message);
  });

  it.each([undefined, null, 'a string', 42, { message: 'object' }])(
    'answers a thrown non-Error %j with 500',
    (thrown) => {
      const { response } = toErrorResponse(thrown);
      expect(response.statusCode).toBe(500);
      expect(bodyOf(response).error).toBe('internal_error');
    },
  );

  it.each(['ThrottlingException', 'ProvisionedThroughputExceededException'])('answers DynamoDB %s with 429', (name) => {
    const error = new Error(`Rate exceeded for table prod-TokenTable-1A2B3C`);
    error.name = name;
    const { response } = toErrorResponse(error);
    expect(response.statusCode).toBe(429);
    expect(bodyOf(response).error).toBe('too_many_requests');
    expect(response.body).not.toContain('TokenTable');
    expect(response.body).not.toContain(name);
  });

  it('does not take an error that merely mentions throttling for a throttle', () => {
    expect(toErrorResponse(new Error('ThrottlingException')).response.statusCode).toBe(500);
  });
});

describe('errorResponse', () => {
  it('builds the API error body with a JSON content type', () => {
    const r = errorResponse('not_found', 'No such token.');
    expect(r).toStrictEqual({
      statusCode: 404,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ error: 'not_found', message: 'No such token.' }),
    });
  });
});
