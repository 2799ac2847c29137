import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { binPath } from '../support/run-mlops.js';
import { spawnPty } from '../support/pty.js';
import { tempDir } from '../support/temp-dir.js';
import { missingTool } from '../support/tools.js';

/** `mlops init` on a real pseudo-terminal (`script`) asks the pipeline's questions too. Needs dist/. */

const noScript = missingTool('script', ['--version']);
const root = tempDir('mlops-init-workflow-tty-');
const ESC = '\u001b';

describe.skipIf(noScript !== undefined)(
  `init on a terminal${noScript ? ` (skipped: ${noScript})` : ''}`,
  () => {
    it('asks the registry, owner, environments, where to train and a schedule, and writes that pipeline', async () => {
      const noTools = path.join(root, 'no-tools');
      mkdirSync(noTools, { recursive: true });
      const pty = spawnPty(
        [process.execPath, binPath, 'init', 'asked', '--name', 'iris', '--dataset', 'iris'],
        {
          cwd: root,
          env: { HOME: root, PATH: noTools },
        },
      );
      await pty.waitFor(/Model registry/);
      pty.write('\r');
      await pty.waitFor(/AWS region/);
      pty.write('\r');
      await pty.waitFor(/Container registry/);
      pty.write(`${ESC}[B\r`); // one down: GHCR
      await pty.waitFor(/GitHub user or organization/);
      pty.write('acme\r');
      await pty.waitFor(/Deployment environments/);
      pty.write(`${ESC}[B\r`); // production only
      await pty.waitFor(/Where the pipeline trains/);
      pty.write(`${ESC}[B\r`); // ci
      await pty.waitFor(/Scheduled training/);
      pty.write('0 3 * * 1\r');
      expect(await pty.exited, pty.output()).toBe(0);
      const dir = path.join(root, 'asked');
      const workflow = parse(readFileSync(path.join(dir, '.github/workflows/mlops.yml'), 'utf8')) as {
        on: { schedule?: { cron: string }[] };
        jobs: Record<string, { permissions?: Record<string, string>; steps: { run?: string }[] }>;
      };
      expect(Object.keys(workflow.jobs)).toEqual(['lint', 'test', 'build', 'train', 'deploy-production']);
      expect(workflow.on.schedule).toEqual([{ cron: '0 3 * * 1' }]);
      expect(workflow.jobs.build!.permissions).toEqual({ contents: 'read', packages: 'write' });
      expect(workflow.jobs.train!.steps.some((s) => s.run?.includes('mlops train --local'))).toBe(true);
      const config = JSON.parse(readFileSync(path.join(dir, 'mlops.config.json'), 'utf8')) as {
        images: { serving: { repository: string } };
      };
      expect(config.images.serving.repository).toBe('ghcr.io/acme/iris-serving');
    });
  },
);
