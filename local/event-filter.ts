/**
 * Lambda event filtering, as an event source mapping applies its filter criteria: a record passes
 * when it matches any pattern. A pattern is an object whose leaves are lists of what a field may
 * be: literal values, `{"exists": true|false}` or `{"prefix": "…"}`. Other rules of the pattern
 * language are refused when a pattern is read, so the local stack never lets through what AWS
 * would filter out by a rule it does not know.
 */
type Rule = string | number | boolean | null | { exists: boolean } | { prefix: string };

function checkRule(rule: unknown): asserts rule is Rule {
  if (rule === null || ['string', 'number', 'boolean'].includes(typeof rule)) return;
  const keys = Object.keys(rule as object);
  const [key] = keys;
  if (keys.length === 1 && (key === 'exists' || key === 'prefix')) return;
  throw new Error(`the local stack does not filter events by ${JSON.stringify(rule)}`);
}

/** Fails on a pattern that uses rules the local stack cannot apply. */
export function checkPattern(pattern: unknown): void {
  if (Array.isArray(pattern)) {
    for (const rule of pattern) checkRule(rule);
    return;
  }
  if (pattern === null || typeof pattern !== 'object')
    throw new Error(`not a filter pattern: ${JSON.stringify(pattern)}`);
  for (const value of Object.values(pattern)) checkPattern(value);
}

/**
 * The leaf values at a field: itself, or the items of its list. An object is an intermediate node, not a value, so
 * `{"exists": true}` never matches one (and `{"exists": false}` does), as Lambda's filtering works on leaves only.
 */
function leafValues(value: unknown): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(leafValues);
  if (value !== null && typeof value === 'object') return [];
  return [value];
}

function leafMatches(rules: Rule[], value: unknown): boolean {
  const values = leafValues(value);
  return rules.some((rule) => {
    if (rule !== null && typeof rule === 'object') {
      if ('exists' in rule) return rule.exists === values.length > 0;
      return values.some((v) => typeof v === 'string' && v.startsWith(rule.prefix));
    }
    return values.some((v) => v === rule);
  });
}

function matches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) return leafMatches(pattern as Rule[], value);
  const fields = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  return Object.entries(pattern as Record<string, unknown>).every(([key, sub]) =>
    matches(sub, Object.hasOwn(fields, key) ? fields[key] : undefined),
  );
}

/** Whether a record passes the filter criteria (no patterns: every record does). */
export function passesFilters(patterns: readonly unknown[], record: unknown): boolean {
  return patterns.length === 0 || patterns.some((pattern) => matches(pattern, record));
}
