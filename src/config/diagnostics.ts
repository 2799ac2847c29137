import * as z from 'zod';
import { didYouMean } from './suggest.js';

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
    default:
      return issue.message;
  }
}

/** The schemas a value may match once defaults, optionals, transforms and unions are looked through. */
function alternatives(schema: z.ZodType): z.ZodType[] {
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional)
    return alternatives(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodPipe) return alternatives(schema.in as z.ZodType);
  if (schema instanceof z.ZodUnion) return (schema.options as z.ZodType[]).flatMap(alternatives);
  return [schema];
}

/** The field names an object at `path` of a value checked by `schema` may have. */
export function knownFields(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let level = [schema];
  for (const key of path) {
    level = level.flatMap(alternatives).flatMap((s): z.ZodType[] => {
      if (s instanceof z.ZodObject) {
        const child = (s.shape as Record<string, z.ZodType>)[String(key)];
        return child === undefined ? [] : [child];
      }
      if (s instanceof z.ZodRecord) return [s.valueType as z.ZodType];
      if (s instanceof z.ZodArray) return [s.element as z.ZodType];
      return [];
    });
  }
  return level.flatMap(alternatives).flatMap((s) => (s instanceof z.ZodObject ? Object.keys(s.shape) : []));
}

/**
 * One line per problem: `<origin>: <field>: got <value>, <what is allowed>`; an unknown field gets a
 * line of its own, blamed on where it came from, with the known field it most likely misspells.
 */
export function formatIssues(
  issues: readonly Issue[],
  root: unknown,
  originFor: (path: string) => Origin,
  schema: z.ZodType,
): string {
  const lines = issues.flatMap((issue) => {
    const dotted = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const known = knownFields(schema, issue.path);
      return issue.keys.map((key) => {
        const field = dotted ? `${dotted}.${key}` : key;
        const guess = didYouMean(key, known) ?? `known fields: ${known.join(', ')}`;
        return `${originFor(field)}: ${field}: unknown field "${key}", ${guess}`;
      });
    }
    return [
      `${originFor(dotted)}: ${dotted || '(top level)'}: got ${describe(valueAt(root, issue.path))}, ${allowed(issue)}`,
    ];
  });
  return `Invalid configuration (${lines.length} problem${lines.length > 1 ? 's' : ''}):\n  ${lines.join('\n  ')}`;
}
