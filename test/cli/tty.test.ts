import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { binPath, runMlops, type RunResult } from '../support/run-mlops.js';
import { spawnPty } from '../support/pty.js';
import { offlineTerraformEnv, offlineTerraformMissing } from '../support/terraform-mirror.js';
import { tempDir } from '../support/temp-dir.js';
import { missingTool } from '../support/tools.js';

/**
 * What a person at a terminal gets, on a real pseudo-terminal (`script`): prompts answered with keys,
 * `infra down`'s typed confirmation, progress drawn on a TTY and absent without one, --quiet,
 * --no-color / NO_COLOR, and --verbose adding a stack to an error. Needs dist/.
 */

const noScript = missingTool('script', ['--version']);
const root = tempDir('mlops-tty-');
const home = path.join(root, 'home');
const noTools = path.join(root, 'no-tools');
/** No npm on PATH: init cannot install its link to mlops (it says what to run), unless a test says so. */
const env = { HOME: home, PATH: noTools };
const project = path.join(root, 'iris');

const ESC = '\u001b';
const COLOR = new RegExp(`${ESC}\\[\\d+m`);
/** The progress bar (src/cli/progress-bar.ts): redrawn in place, cells filling up. */
const PROGRESS_BAR = new RegExp(`\\r${ESC}\\[2K.*\\[[█░]{24}\\]`);

const mlops = (...args: string[]) => [process.execPath, binPath, ...args];

const ok = (res: RunResult): RunResult => {
  if (res.code !== 0) throw new Error(`mlops exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
  return res;
};

beforeAll(async () => {
  mkdirSync(home, { recursive: true });
  mkdirSync(noTools, { recursive: true });
  ok(await runMlops(['init', project, '--yes', '--name', 'iris'], { cwd: root, env }));
});

describe.skipIf(noScript !== undefined)(`on a terminal${noScript ? ` (skipped: ${noScript})` : ''}`, () => {
  it('init asks each question and uses the answers typed', async () => {
    const pty = spawnPty(mlops('init', 'asked'), { cwd: root, env });
    await pty.waitFor(/Model name/);
    pty.write('typed-name\r');
    await pty.waitFor(/Training data/);
    pty.write(`${ESC}[B\r`); // one down: wine
    await pty.waitFor(/Model registry/);
    pty.write('\r'); // the default
    await pty.waitFor(/AWS region/);
    pty.write('eu-west-1\r');
    // The pipeline's questions (test/cli/init-workflow-tty.test.ts answers them): the defaults here.
    for (const question of [
      /Container registry/,
      /Deployment environments/,
      /Where the pipeline trains/,
      /Scheduled training/,
    ]) {
      await pty.waitFor(question);
      pty.write('\r');
    }
    expect(await pty.exited, pty.output()).toBe(0);
    const config = JSON.parse(readFileSync(path.join(root, 'asked', 'mlops.config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({
      name: 'typed-name',
      region: 'eu-west-1',
      registry: 'file://.mlops/registry',
      data: { source: 'data/wine.csv' },
    });
  });

  it('train --local draws a progress bar on a terminal; without one (a pipe) there is none', async () => {
    const pty = spawnPty(mlops('train', '--local', '--param', 'epochs=10'), {
      cwd: project,
      env,
    });
    expect(await pty.exited, pty.output()).toBe(0);
    expect(pty.output()).toMatch(PROGRESS_BAR);
    expect(pty.output()).toMatch(/^Data: data\/iris\.csv — 150 rows/m);
    expect(pty.output()).toMatch(/iris v1\.\d+.* registered/);

    const piped = ok(await runMlops(['train', '--local', '--param', 'epochs=10'], { cwd: project, env }));
    expect(piped.stderr).not.toMatch(/[█░]/);
    expect(piped.stderr).not.toContain(ESC);
    expect(piped.stdout).toContain('registered');
  });

  it('a wait without a total (linking mlops into a new project) shows a spinner, and ends it', async () => {
    const pty = spawnPty(mlops('init', 'linked', '--yes'), {
      cwd: root,
      env: { ...env, PATH: process.env.PATH },
    });
    expect(await pty.exited, pty.output()).toBe(0);
    expect(pty.output()).toContain(`${ESC}[?25l`); // the spinner hides the cursor …
    expect(pty.output()).toContain(`${ESC}[?25h`); // … and shows it again
    expect(pty.output()).toContain('Linking mlops into');

    const piped = ok(
      await runMlops(['init', 'linked-piped', '--yes'], {
        cwd: root,
        env: { ...env, PATH: process.env.PATH },
      }),
    );
    expect(piped.stderr).not.toContain(ESC);
  });

  it('--quiet: on a terminal, only the result (no progress, no info lines)', async () => {
    const pty = spawnPty(mlops('train', '--local', '--quiet', '--param', 'epochs=10'), { cwd: project, env });
    expect(await pty.exited, pty.output()).toBe(0);
    expect(pty.output()).not.toMatch(/[█░]/);
    expect(pty.output()).not.toMatch(/^Data: |^Trained in /m);
    expect(pty.output()).toMatch(/iris v1\.\d+.* registered/);
  });

  it('errors are colored on a terminal; --no-color and NO_COLOR turn every ANSI color off', async () => {
    const colored = spawnPty(mlops('models', 'list'), { cwd: root, env });
    expect(await colored.exited).toBe(2);
    expect(colored.output()).toContain(`${ESC}[31mError:`);
    for (const [args, extra] of [
      [['models', 'list', '--no-color'], {}],
      [['models', 'list'], { NO_COLOR: '1' }],
    ] as const) {
      const plain = spawnPty(mlops(...args), { cwd: root, env: { ...env, ...extra } });
      expect(await plain.exited).toBe(2);
      expect(plain.output()).toContain('Error: No mlops.config.json');
      expect(plain.output()).not.toMatch(COLOR);
    }
  });

  it('--verbose on a terminal: the error, its hint, then the stack', async () => {
    const pty = spawnPty(mlops('promote', 'v9.9', '--verbose', '--no-color'), { cwd: project, env });
    expect(await pty.exited).toBe(1);
    expect(pty.output()).toMatch(/Error: .*v9\.9.*\r?\n {2}\S.*\r?\n.*\r?\n\s+at /);
  });

  const terraformMissing = offlineTerraformMissing();

  it.skipIf(terraformMissing !== undefined)(
    `infra down asks for the name typed out: a wrong one destroys nothing and is asked again, the right one destroys${terraformMissing ? ` (skipped: ${terraformMissing})` : ''}`,
    async () => {
      // A project whose local state holds one resource terraform can destroy offline (terraform_data,
      // built in), so that the whole path runs for real: init, show, plan -destroy, confirm, apply.
      const dir = path.join(root, 'down');
      mkdirSync(path.join(dir, '.mlops/infra/state'), { recursive: true });
      writeFileSync(
        path.join(dir, 'mlops.config.json'),
        JSON.stringify({
          name: 'iris',
          registry: 's3://iris-models-0a1b2c3d/registry',
          infra: { state: { backend: 'local' } },
        }),
      );
      const stateFile = path.join(dir, '.mlops/infra/state/registry.tfstate');
      writeFileSync(stateFile, JSON.stringify(stateWith('terraform_data.marker')));
      const tfEnv = { ...env, PATH: process.env.PATH, ...offlineTerraformEnv(root) };
      const resources = () =>
        (JSON.parse(readFileSync(stateFile, 'utf8')) as { resources: unknown[] }).resources.length;

      const pty = spawnPty(mlops('infra', 'down', '--stack', 'registry'), {
        cwd: dir,
        env: tfEnv,
        timeoutMs: 180_000,
      });
      await pty.waitFor(/This destroys 1 resources \(registry\)\. Type "iris" to confirm:/);
      pty.write('iris-cluster\r');
      await pty.waitFor(/type "iris" exactly, or press Ctrl-C/);
      expect(resources()).toBe(1);
      pty.write('\u0015iris\r'); // Ctrl-U clears the line, then the name
      expect(await pty.exited, pty.output()).toBe(0);
      expect(pty.output()).toMatch(/registry +applied/);
      expect(resources()).toBe(0);
    },
    240_000,
  );
});

describe('--verbose and --quiet (any stream)', () => {
  it('a user error is two lines without a stack; --verbose adds the stack', async () => {
    const plain = await runMlops(['promote', 'v9.9'], { cwd: project, env });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/^Error: .*v9\.9.*\n {2}\S.*\n$/);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const verbose = await runMlops(['promote', 'v9.9', '--verbose'], { cwd: project, env });
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/\n\s+at .*\.(js|ts):\d+:\d+/);
  });

  it('--quiet keeps stderr free of info lines and still prints the result on stdout', async () => {
    const loud = ok(await runMlops(['train', '--local', '--param', 'epochs=5'], { cwd: project, env }));
    expect(loud.stderr).toMatch(/^Data: .*\nTrained in /m);
    const quiet = ok(
      await runMlops(['train', '--local', '--quiet', '--param', 'epochs=5'], { cwd: project, env }),
    );
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toMatch(/iris v1\.\d+ registered/);
  });
});

/** A terraform state (format 4) holding one instance of a built-in terraform_data resource. */
function stateWith(address: string) {
  const [type, name] = address.split('.');
  return {
    version: 4,
    terraform_version: '1.10.0',
    serial: 1,
    lineage: '5f1b2f7e-1c57-4a40-9a4f-2f2a5b0c0d11',
    outputs: {},
    resources: [
      {
        mode: 'managed',
        type,
        name,
        provider: 'provider["terraform.io/builtin/terraform"]',
        instances: [
          {
            schema_version: 0,
            attributes: { id: `${name}-1`, input: null, output: null, triggers_replace: null },
            sensitive_attributes: [],
          },
        ],
      },
    ],
    check_results: null,
  };
}
