/** `import { run } from 'mlops/cli'`: the CLI as a function (used by the project templates' entry points). */
export { run, processEnv } from './cli/main.js';
