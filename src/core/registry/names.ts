import { usageError } from '../../kernel/errors.js';

const ALIAS_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** v1, v2, v1-0: an alias named like this would read as a version in every listing and command. */
const VERSION_LIKE = /^v\d+([.-]\d+)*$/;

/**
 * Refuses a name that would address something outside its place in the registry (`../../etc`, `a/b`,
 * `..`) before it becomes part of a key: a usage error, not a corrupt registry.
 */
export function refusePathLike(name: string, what: 'version' | 'alias' | 'version or alias'): void {
  if (name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw usageError(
      `"${name}" cannot be a ${what} name: it contains a path separator or is "." or "..".`,
      'MLOPS_USAGE_E1010',
      'Versions look like v1.0 and aliases like production; `mlops models list` shows both.',
    );
  }
}

/** Whether `name` can be given to an alias: lowercase, DNS-label style, and not mistakable for a version. */
export const isAliasName = (name: string): boolean => ALIAS_NAME.test(name) && !VERSION_LIKE.test(name);

/** Checks a name about to be given to an alias. */
export function requireAliasName(name: string): void {
  refusePathLike(name, 'alias');
  if (VERSION_LIKE.test(name)) {
    throw usageError(
      `"${name}" looks like a version, so it cannot be an alias name.`,
      'MLOPS_USAGE_E1002',
      'An alias names a role, e.g. production or staging; versions look like v1.0.',
    );
  }
  if (!ALIAS_NAME.test(name)) {
    throw usageError(
      `"${name}" is not a valid alias name.`,
      'MLOPS_USAGE_E1002',
      'Aliases are lowercase letters, digits and "-", e.g. production, staging.',
    );
  }
}
