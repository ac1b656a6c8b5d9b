// The configuration's error text: one line per zod issue, naming the field, the value found and the rule it broke; "did you mean" hints.
import type { z } from 'zod';

function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  const text = JSON.stringify(input);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** One line per problem: `wans[1].weight: got -3; expected ...`. */
export function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const field =
        issue.path.reduce<string>(
          (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
          '',
        ) || '(top level)';
      if (issue.code === 'unrecognized_keys')
        return `${field}: unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling`;
      const got = 'input' in issue ? `got ${describeInput(issue.input)}; ` : '';
      return `${field}: ${got}${issue.message}`;
    })
    .join('\n');
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** The closest candidate within a third of the word's length (at least 2 edits), or undefined. */
export function closest(word: string, candidates: string[]): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 3));
  const scored = candidates
    .map((c) => ({ c, d: editDistance(word.toLowerCase(), c.toLowerCase()) }))
    .filter((s) => s.d <= limit);
  return scored.sort((x, y) => x.d - y.d)[0]?.c;
}
