/** A synthesized CloudFormation template, as loosely as the local stack needs to read it. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown }>;
}

/** Every resource of one type, as [logical id, resource]. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** The one resource of a type; a template with none or several is not one the local stack can stand in for. */
export function onlyResourceOfType(template: CfnTemplate, type: string): [string, CfnResource] {
  const found = resourcesOfType(template, type);
  const [first] = found;
  if (found.length !== 1 || !first)
    throw new Error(`the local stack needs exactly one ${type}, the template has ${found.length}`);
  return first;
}

/** The logical id a `{Ref: id}` or `{"Fn::GetAtt": [id, attribute]}` points at. */
export function logicalIdIn(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { Ref, 'Fn::GetAtt': getAtt } = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
  if (typeof Ref === 'string') return Ref;
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
}

/** Every logical id referenced anywhere inside a value, in order of appearance. */
export function logicalIdsWithin(value: unknown): string[] {
  const found = logicalIdIn(value);
  if (found) return [found];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(logicalIdsWithin);
}
