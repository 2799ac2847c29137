import { usageError } from '../../kernel/errors.js';
import { defineCommand } from '../command.js';

/**
 * A command of the design whose implementation has not landed in this version. It is listed in --help so
 * that the command set is visible, and says plainly that it is not available (exit 2) instead of pretending.
 */
export const pendingCommand = (name: string, summary: string, arrivesWith: string, instead?: string) =>
  defineCommand({
    name,
    summary: `${summary} [not available yet]`,
    acceptsAnything: true,
    async handler() {
      throw usageError(
        `\`mlops ${name}\` is not available in this version of mlops.`,
        'MLOPS_USAGE_E1003',
        `It arrives with ${arrivesWith}.${instead ? ` Meanwhile: ${instead}` : ''}`,
      );
    },
  });
