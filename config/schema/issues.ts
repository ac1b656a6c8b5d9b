// The configuration's error text: one line per zod issue, naming the field, the value found and the rule it broke.
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
