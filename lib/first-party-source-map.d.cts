export interface SourceMapV3 {
  version: number;
  sources: string[];
  names?: string[];
  mappings: string;
  sourcesContent?: (string | null)[];
  sourceRoot?: string;
  file?: string;
}

/** The same map with only the mappings into the project's own sources (outside node_modules). */
export function firstPartySourceMap(map: SourceMapV3): SourceMapV3;
/** Rewrites a source map file in place, keeping only the project's own sources. */
export function trimSourceMapFile(file: string): void;
