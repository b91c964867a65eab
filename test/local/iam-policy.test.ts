import { decide, denialMessage, readStatements } from '../../local/iam-policy';

const TABLE = 'arn:aws:dynamodb:us-east-1:000000000000:table/tokens';

describe('readStatements', () => {
  it('reads single values and lists', () => {
    expect(
      readStatements({
        Statement: [
          { Effect: 'Allow', Action: 'dynamodb:Query', Resource: [TABLE, `${TABLE}/index/*`] },
          { Sid: 'x', Effect: 'Deny', Action: ['dynamodb:Scan'], Resource: '*' },
        ],
      }),
    ).toEqual([
      { effect: 'Allow', actions: ['dynamodb:Query'], resources: [TABLE, `${TABLE}/index/*`] },
      { effect: 'Deny', actions: ['dynamodb:Scan'], resources: ['*'] },
    ]);
  });

  it.each(['Condition', 'NotAction', 'NotResource', 'Principal'])(
    'refuses a statement with %s rather than judge it by rules it does not know',
    (key) => {
      expect(() => readStatements({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', [key]: {} }] })).toThrow(
        key,
      );
    },
  );

  it('refuses an unknown effect or an empty action list', () => {
    expect(() => readStatements({ Statement: [{ Effect: 'Maybe', Action: 'a:b', Resource: '*' }] })).toThrow();
    expect(() => readStatements({ Statement: [{ Effect: 'Allow', Action: [], Resource: '*' }] })).toThrow();
  });
});

describe('decide', () => {
  const allowQuery = readStatements({
    Statement: [{ Effect: 'Allow', Action: 'dynamodb:Query', Resource: [TABLE, `${TABLE}/index/*`] }],
  });

  it('allows exactly the granted action on the granted resources', () => {
    expect(decide(allowQuery, 'dynamodb:Query', TABLE)).toBe('allowed');
    expect(decide(allowQuery, 'dynamodb:Query', `${TABLE}/index/byUser`)).toBe('allowed');
    expect(decide(allowQuery, 'dynamodb:Scan', TABLE)).toBe('implicitly-denied');
    expect(decide(allowQuery, 'dynamodb:Query', `${TABLE}-other`)).toBe('implicitly-denied');
    expect(decide(allowQuery, 'dynamodb:Query', 'arn:aws:dynamodb:us-east-1:000000000000:table/other')).toBe(
      'implicitly-denied',
    );
  });

  it('matches actions without regard to case, resources with it, and wildcards as IAM does', () => {
    const statements = readStatements({
      Statement: [{ Effect: 'Allow', Action: 'DynamoDB:Get*', Resource: 'arn:aws:dynamodb:*:*:table/tok?ns' }],
    });
    expect(decide(statements, 'dynamodb:GetItem', TABLE)).toBe('allowed');
    expect(decide(statements, 'dynamodb:GetItem', TABLE.toUpperCase())).toBe('implicitly-denied');
    expect(decide(statements, 'dynamodb:PutItem', TABLE)).toBe('implicitly-denied');
    // A dot in a pattern is a dot, not any character.
    const dotted = readStatements({ Statement: [{ Effect: 'Allow', Action: 'a:b', Resource: 'x.y' }] });
    expect(decide(dotted, 'a:b', 'xzy')).toBe('implicitly-denied');
  });

  it('lets an explicit deny win over any allow', () => {
    const statements = readStatements({
      Statement: [
        { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' },
        { Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: TABLE },
      ],
    });
    expect(decide(statements, 'dynamodb:DeleteItem', TABLE)).toBe('explicitly-denied');
    expect(decide(statements, 'dynamodb:GetItem', TABLE)).toBe('allowed');
  });

  it('denies everything with no statement', () => {
    expect(decide([], 'dynamodb:GetItem', TABLE)).toBe('implicitly-denied');
  });
});

test("words a refusal as AWS does, so the SDK's message reads the same", () => {
  expect(denialMessage('arn:aws:iam::0:role/r', 'dynamodb:GetItem', TABLE, 'implicitly-denied')).toBe(
    `User: arn:aws:iam::0:role/r is not authorized to perform: dynamodb:GetItem on resource: ${TABLE} ` +
      'because no identity-based policy allows the dynamodb:GetItem action',
  );
});
