// The contract every benchmark module follows (test/bench/<name>.ts, default export).
export interface BenchResult {
  name: string;
  rows: Record<string, string | number>[];
  summary: Record<string, unknown>;
}

export type BenchMain = (args: string[]) => Promise<BenchResult>;
