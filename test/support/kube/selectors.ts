import type { KubeObject } from './objects.js';
import { at } from './objects.js';
import { badRequest } from './status.js';

type Requirement = (value: (key: string) => string | undefined) => boolean;

/** Splits on commas outside parentheses: `a in (x,y),b!=c` → two requirements. */
function requirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

function parseRequirement(text: string, allowSets: boolean): Requirement {
  const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(text);
  if (set && allowSets) {
    const [, key = '', op, list = ''] = set;
    const values = list.split(',').map((v) => v.trim());
    return (get) => {
      const v = get(key);
      return op === 'in' ? v !== undefined && values.includes(v) : v === undefined || !values.includes(v);
    };
  }
  const eq = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (eq) {
    const [, key = '', op, expected = ''] = eq;
    return op === '!=' ? (get) => get(key) !== expected : (get) => get(key) === expected;
  }
  if (allowSets && /^!\S+$/.test(text)) return (get) => get(text.slice(1)) === undefined;
  if (allowSets && /^\S+$/.test(text)) return (get) => get(text) !== undefined;
  throw badRequest(`unable to parse requirement: ${text}`);
}

export type Selector = (object: KubeObject) => boolean;

export function labelSelector(selector: string | null): Selector {
  if (!selector) return () => true;
  const checks = requirements(selector).map((r) => parseRequirement(r, true));
  return (object) => checks.every((check) => check((key) => object.metadata.labels?.[key]));
}

/** Field selectors on any dotted path (`metadata.name`, `status.phase`, `involvedObject.name`). */
export function fieldSelector(selector: string | null): Selector {
  if (!selector) return () => true;
  const checks = requirements(selector).map((r) => parseRequirement(r, false));
  return (object) =>
    checks.every((check) =>
      check((key) => {
        const value = at(object, key.split('.'));
        return value === undefined || value === null ? '' : String(value);
      }),
    );
}
