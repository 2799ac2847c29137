import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  watch,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { BASELINE_JSON } from '../../src/ml/baseline.js';
import { NO_BASELINE } from '../../src/core/report/sections.js';
import { tempDir } from '../support/temp-dir.js';
import { copyWith, irisProject, ok } from './fixture.js';

const dir = tempDir('mlops-report-cli-');
const { mlops, registry } = irisProject(dir);

interface Written {
  event: string;
  path: string;
  bytes: number;
  versions: string[];
  opened: boolean;
}
type Failed = { error: { code: string; message: string; hint: string } };

beforeAll(async () => {
  ok(await mlops(['train', '--local', '--json']));
  ok(await mlops(['promote', 'v1.0']));
}, 120_000);

describe('mlops models report', () => {
  it('without arguments reports on the newest version, into report-<model>-<version>.html here', async () => {
    const latest = (await registry.versions()).at(-1);
    const res = ok(await mlops(['models', 'report', '--json']));
    const written = res.json<Written>();
    expect(written).toEqual({
      event: 'report',
      path: path.join(dir, `report-iris-${latest}.html`),
      bytes: statSync(written.path).size,
      versions: [latest],
      opened: false,
    });
    const html = readFileSync(written.path, 'utf8');
    expect(html).toContain(`<title>iris ${latest} — model report</title>`);
  });

  it('takes an alias and --out (a new directory is made), and lists the aliases of the version', async () => {
    const res = ok(await mlops(['models', 'report', 'production', '--out', 'reports/prod.html']));
    const file = path.join(dir, 'reports/prod.html');
    expect(res.stdout).toContain(`Wrote ${file} (iris v1.0,`);
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/<th scope="row">aliases<\/th><td>production<\/td>/);
    // temp file then rename: nothing else is left beside it
    expect(readdirSync(path.join(dir, 'reports'))).toEqual(['prod.html']);
  });

  it('--open without a terminal writes the file and says it did not open it', async () => {
    const res = ok(await mlops(['models', 'report', 'v1.0', '--open', '--out', 'open.html']));
    expect(res.stdout).toContain('--open ignored: not at a terminal');
    const json = ok(await mlops(['models', 'report', 'v1.0', '--open', '--out', 'open.html', '--json']));
    expect(json.json<Written>().opened).toBe(false);
  });

  it.skipIf(process.platform !== 'linux')(
    '--open at a terminal starts xdg-open on the file and does not wait for it to exit',
    async () => {
      // a stand-in xdg-open that says what it was given, then lives on as a browser would
      const bin = path.join(dir, 'opener-bin');
      const said = path.join(dir, 'opened.txt');
      mkdirSync(bin);
      writeFileSync(
        path.join(bin, 'xdg-open'),
        `#!/bin/sh\necho "$$ $1" > "${said}.tmp" && mv "${said}.tmp" "${said}"\nexec sleep 600\n`,
      );
      chmodSync(path.join(bin, 'xdg-open'), 0o755);
      const appeared = new Promise<void>((resolve) => {
        const watcher = watch(dir, () => {
          if (existsSync(said)) {
            watcher.close();
            resolve();
          }
        });
      });
      const terminal = Object.assign(new Writable({ write: (_c, _e, done) => done() }), { isTTY: true });
      const code = await run(['models', 'report', 'v1.0', '--open', '--out', 'opened.html'], {
        stdout: terminal,
        stderr: terminal,
        stdin: new PassThrough(),
        env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir },
        cwd: dir,
      });
      // run() returned while the opener sleeps: it was not awaited
      expect(code).toBe(0);
      await appeared;
      const [pid, file] = readFileSync(said, 'utf8').trim().split(' ');
      process.kill(Number(pid));
      expect(file).toBe(path.join(dir, 'opened.html'));
    },
  );

  it('an --out that cannot be written is MLOPS_REPORT_E5701 (exit 2), naming the path', async () => {
    writeFileSync(path.join(dir, 'a-file'), 'x');
    const res = await mlops(['models', 'report', 'v1.0', '--out', 'a-file/report.html', '--json']);
    expect(res.code).toBe(2);
    const { error } = res.json<Failed>();
    expect(error.code).toBe('MLOPS_REPORT_E5701');
    expect(error.message).toContain(path.join(dir, 'a-file/report.html'));
    expect(error.hint).toContain('--out');
  });

  it('an unknown version is the registry’s error; comparing a version with itself is a usage error', async () => {
    const unknown = await mlops(['models', 'report', 'v9.9', '--json']);
    expect(unknown.code).toBe(1);
    expect(unknown.json<Failed>().error.code).toBe('MLOPS_REGISTRY_E4001');
    const same = await mlops(['models', 'report', 'v1.0', '--compare', 'production', '--json']);
    expect(same.code).toBe(2);
    expect(same.json<Failed>().error.code).toBe('MLOPS_REPORT_E5704');
  });

  it('a version without baseline.json says so instead of drawing histograms', async () => {
    const version = await copyWith(registry, 'v1.0', (artifacts) => {
      delete artifacts[BASELINE_JSON];
      return artifacts;
    });
    const res = ok(await mlops(['models', 'report', version, '--out', 'old.html']));
    expect(res.code).toBe(0);
    const html = readFileSync(path.join(dir, 'old.html'), 'utf8');
    expect(html).toContain(NO_BASELINE);
    expect(html).not.toContain('class="chart chart-histogram"');
    expect(html).toContain('class="chart chart-confusion"');
  });

  it('reads through the registry: an artifact changed behind its back is refused (sha256)', async () => {
    const version = await copyWith(registry, 'v1.0', (artifacts) => artifacts);
    const metrics = path.join(dir, '.mlops/registry/iris/versions', version, 'metrics.json');
    const text = readFileSync(metrics, 'utf8');
    // same size, other bytes: only the hash can tell
    writeFileSync(metrics, text.replace('"task"', '"TASK"'));
    const res = await mlops(['models', 'report', version, '--json']);
    expect(res.code).toBe(1);
    expect(res.json<Failed>().error.code).toBe('MLOPS_REGISTRY_E4002');
    expect(existsSync(path.join(dir, `report-iris-${version}.html`))).toBe(false);
  });

  it('a metrics.json that is not JSON is MLOPS_REPORT_E5702', async () => {
    const version = await copyWith(registry, 'v1.0', (artifacts) => ({
      ...artifacts,
      'metrics.json': new TextEncoder().encode('not json'),
    }));
    const res = await mlops(['models', 'report', version, '--json']);
    expect(res.code).toBe(1);
    expect(res.json<Failed>().error).toMatchObject({
      code: 'MLOPS_REPORT_E5702',
      message: expect.stringContaining(version),
    });
  });

  it('a model with no version yet is MLOPS_REPORT_E5703, pointing at training', async () => {
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    const fresh = irisProject(empty);
    const res = await fresh.mlops(['models', 'report', '--json']);
    expect(res.code).toBe(1);
    expect(res.json<Failed>().error).toMatchObject({
      code: 'MLOPS_REPORT_E5703',
      hint: expect.stringContaining('mlops train'),
    });
  });
});
