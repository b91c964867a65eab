import { ApiError, deadlineExceeded, type ErrorCode } from '../../lambdas/domain/errors';
import { ERROR_STATUS, errorResponse, toErrorResponse } from '../../lambdas/http/error-response';

const bodyOf = (r: { body: string }) => JSON.parse(r.body) as Record<string, unknown>;

describe('ApiError', () => {
  it('is logged under its own name: a 500 the code chose (a deadline) reads as ApiError in the log', () => {
    const error = deadlineExceeded();
    expect(error.name).toBe('ApiError');
    expect(error.stack).toMatch(/^ApiError: The request ran out of time/);
  });
});

describe('toErrorResponse', () => {
  it.each(Object.entries(ERROR_STATUS) as [ErrorCode, number][])(
    'maps ApiError %s to %i with its message',
    (code, status) => {
      const { response, unexpected } = toErrorResponse(new ApiError(code, 'Some sentence for the client.'));
      expect(response.statusCode).toBe(status);
      expect(response.headers['Content-Type']).toBe('application/json');
      expect(bodyOf(response)).toStrictEqual({ error: code, message: 'Some sentence for the client.' });
      // A 5xx the code chose to answer (a deadline) is still one for the logs and the ServerErrors metric.
      expect(unexpected).toBe(status >= 500);
    },
  );

  it('adds error_description, the same sentence, for an OAuth endpoint', () => {
    const { response } = toErrorResponse(new ApiError('unauthorized_client', 'Not your token.'), { oauth: true });
    expect(bodyOf(response)).toStrictEqual({
      error: 'unauthorized_client',
      message: 'Not your token.',
      error_description: 'Not your token.',
    });
    expect(bodyOf(toErrorResponse(new Error('boom'), { oauth: true }).response).error_description).toBe(
      bodyOf(toErrorResponse(new Error('boom')).response).message,
    );
  });

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
  it('builds the API error body as JSON that no cache keeps', () => {
    const r = errorResponse('not_found', 'No such token.');
    expect(r).toStrictEqual({
      statusCode: 404,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
      body: JSON.stringify({ error: 'not_found', message: 'No such token.' }),
    });
  });

  it('names the Bearer scheme on a 401 (RFC 9110 section 15.5.2), and only there', () => {
    expect(errorResponse('unauthorized', 'Sign in.').headers['WWW-Authenticate']).toBe('Bearer error="invalid_token"');
    for (const code of Object.keys(ERROR_STATUS).filter((c) => c !== 'unauthorized') as ErrorCode[]) {
      expect(errorResponse(code, 'x').headers).not.toHaveProperty('WWW-Authenticate');
    }
  });
});
