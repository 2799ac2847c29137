import type { z } from 'zod';

/** Where a value came from: the config file, an environment section, a variable or a flag. */
export type Origin = string;

type Issue = z.core.$ZodIssue;

const describe = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
};

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function allowed(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'invalid_value':
      return `allowed: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `must be ${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}${issue.origin === 'array' || issue.origin === 'string' ? ' in length' : ''}`;
    case 'too_big':
      return `must be ${issue.inclusive === false ? '<' : '≤'} ${String(issue.maximum)}${issue.origin === 'array' || issue.origin === 'string' ? ' in length' : ''}`;
    case 'invalid_format':
      return issue.message;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling)`;
    default:
      return issue.message;
  }
}

/** One line per problem: `<origin>: <field>: got <value>, <what is allowed>`. */
export function formatIssues(
  issues: readonly Issue[],
  root: unknown,
  originFor: (path: string) => Origin,
): string {
  const lines = issues.map((issue) => {
    const dotted = issue.path.map(String).join('.');
    const field = dotted || '(top level)';
    const got = issue.code === 'unrecognized_keys' ? '' : `got ${describe(valueAt(root, issue.path))}, `;
    return `${originFor(dotted)}: ${field}: ${got}${allowed(issue)}`;
  });
  return `Invalid configuration (${lines.length} problem${lines.length > 1 ? 's' : ''}):\n  ${lines.join('\n  ')}`;
}
