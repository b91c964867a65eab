/** `list-own-tokens` → `ListOwnTokens`: construct ids from the route table's names. */
export function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
}
