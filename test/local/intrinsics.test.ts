// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub writes ${…} in plain strings
import { resolve } from '../../local/intrinsics';

const context = {
  pseudo: { 'AWS::Region': 'eu-west-1', 'AWS::Partition': 'aws' },
  standIn: (id: string) =>
    id === 'Table' ? { ref: 'tokens', attributes: { Arn: 'arn:aws:dynamodb:eu-west-1:0:table/tokens' } } : undefined,
};

describe('resolve', () => {
  it('resolves Ref, Fn::GetAtt and Fn::Join as CloudFormation does', () => {
    expect(
      resolve(context, {
        'Fn::Join': ['', [{ 'Fn::GetAtt': ['Table', 'Arn'] }, '/index/', { Ref: 'AWS::Region' }]],
      }),
    ).toBe('arn:aws:dynamodb:eu-west-1:0:table/tokens/index/eu-west-1');
    expect(resolve(context, { 'Fn::GetAtt': 'Table.Arn' })).toBe('arn:aws:dynamodb:eu-west-1:0:table/tokens');
  });

  it('resolves Fn::Sub with its variables, attributes and literal ${!…}', () => {
    expect(
      resolve(context, { 'Fn::Sub': ['${Table}-${X}-${Table.Arn}-${!Keep}', { X: { Ref: 'AWS::Partition' } }] }),
    ).toBe('tokens-aws-arn:aws:dynamodb:eu-west-1:0:table/tokens-${Keep}');
  });

  it('resolves Fn::Select and Fn::Split', () => {
    expect(resolve(context, { 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] })).toBe('b');
  });

  it('walks objects and lists', () => {
    expect(resolve(context, { a: [{ Ref: 'Table' }], b: 1 })).toEqual({ a: ['tokens'], b: 1 });
  });

  it('fails loudly on what it has no local value for, rather than resolve to something wrong', () => {
    expect(() => resolve(context, { Ref: 'Other' })).toThrow('Other');
    expect(() => resolve(context, { 'Fn::GetAtt': ['Table', 'StreamArn'] })).toThrow('StreamArn');
    expect(() => resolve(context, { Ref: 'AWS::AccountId' })).toThrow('AWS::AccountId');
    expect(() => resolve(context, { 'Fn::If': ['c', 1, 2] })).toThrow('Fn::If');
  });
});
