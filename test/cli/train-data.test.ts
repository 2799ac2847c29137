import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';

// A project in root/project (its data in data/), and a working directory beside it, root/work.
const root = tempDir();
const project = path.join(root, 'project');
const work = path.join(root, 'work');
const config = path.join('..', 'project', 'mlops.config.json');
mkdirSync(path.join(project, 'data'), { recursive: true });
mkdirSync(work, { recursive: true });
const csv = (rows: number, offset: number): string => {
  const lines = ['x1,x2,kind'];
  for (let i = 0; i < rows; i += 1)
    lines.push(`${(i % 7) + offset},${i % 3},${i % 2 === 0 ? 'even' : 'odd'}`);
  return `${lines.join('\n')}\n`;
};
writeFileSync(path.join(project, 'data', 'in-config.csv'), csv(40, 0));
writeFileSync(path.join(work, 'here.csv'), csv(30, 1));
writeFileSync(
  path.join(project, 'mlops.config.json'),
  JSON.stringify({ name: 'paths', data: { source: 'data/in-config.csv' }, train: { epochs: 2 } }),
);

interface Shown {
  version: string;
  data: { source: string; rows: number; sha256: string };
  parameters: Record<string, unknown>;
}
type Failed = { event: string; error: { code: string; message: string; hint: string } };
const show = async (version: string): Promise<Shown> =>
  (await runMlops(['models', 'show', version, '--json', '--config', config], { cwd: work })).json<Shown>();
const failure = (lines: Failed[]): Failed['error'] => {
  const last = lines.at(-1);
  expect(last?.event).toBe('failed');
  return (last as Failed).error;
};

describe('train: where data paths resolve', () => {
  it('--data is relative to the current directory, data.source to the config file', async () => {
    const fromFlag = await runMlops(
      ['train', '--local', '--json', '--config', config, '--data', 'here.csv'],
      {
        cwd: work,
      },
    );
    expect(fromFlag.code).toBe(0);
    const flagged = await show('v1.0');
    expect(flagged.data).toMatchObject({ source: path.join(work, 'here.csv'), rows: 30 });

    const fromConfig = await runMlops(['train', '--local', '--json', '--config', config], { cwd: work });
    expect(fromConfig.code).toBe(0);
    expect((await show('v1.1')).data).toMatchObject({ source: 'data/in-config.csv', rows: 40 });
  });

  it('a --data path that does not exist is named as resolved from the current directory', async () => {
    const res = await runMlops(['train', '--local', '--json', '--config', config, '--data', 'nope.csv'], {
      cwd: work,
    });
    expect(res.code).toBe(1);
    const error = failure(res.lines<Failed>());
    expect(error.code).toBe('MLOPS_DATA_E3001');
    expect(error.message).toContain(path.join(work, 'nope.csv'));
  });
});

describe('train: bad data and parameters', () => {
  it('a missing label column says so and lists the columns there are (exit 1)', async () => {
    const res = await runMlops(['train', '--local', '--json', '--config', config, '--label', 'knd'], {
      cwd: work,
    });
    expect(res.code).toBe(1);
    const error = failure(res.lines<Failed>());
    expect(error.code).toBe('MLOPS_DATA_E3003');
    expect(error.message).toContain(
      'no label column "knd" (did you mean "kind"?); its columns are: x1, x2, kind',
    );
  });

  it('a ragged row is reported with its row and line numbers', async () => {
    writeFileSync(path.join(work, 'ragged.csv'), 'a,b,kind\n1,2,x\n\n3,4,y,5\n');
    const res = await runMlops(['train', '--local', '--config', config, '--data', 'ragged.csv'], {
      cwd: work,
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/row 2 \(line 4\) of \S*ragged\.csv: the row has 4 fields, the header has 3/);
  });

  it('--param with an unknown name suggests the parameter meant (exit 2)', async () => {
    const res = await runMlops(['train', '--local', '--json', '--config', config, '--param', 'epochz=5'], {
      cwd: work,
    });
    expect(res.code).toBe(2);
    const error = failure(res.lines<Failed>());
    expect(error.code).toBe('MLOPS_USAGE_E1020');
    expect(error.message).toContain('did you mean "epochs"?');
  });

  it('--param hiddenUnits=8,4 is a list of layer sizes', async () => {
    const res = await runMlops(
      ['train', '--local', '--json', '--config', config, '--param', 'hiddenUnits=8,4', '--param', 'epochs=1'],
      { cwd: work },
    );
    expect(res.code).toBe(0);
    const registered = res.lines<{ event: string; version: string }>().at(-1);
    expect(registered?.event).toBe('registered');
    expect((await show(registered?.version ?? '')).parameters).toMatchObject({
      hiddenUnits: [8, 4],
      epochs: 1,
    });
  });

  it('an unknown key in mlops.config.json suggests the key meant (exit 2)', async () => {
    const dir = path.join(root, 'typo');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'mlops.config.json'),
      JSON.stringify({ name: 'typo', trian: { epochs: 3 } }),
    );
    const res = await runMlops(['train', '--local', '--json'], { cwd: dir });
    expect(res.code).toBe(2);
    const error = failure(res.lines<Failed>());
    expect(error.code).toBe('MLOPS_CONFIG_E2003');
    expect(error.message).toContain('trian: unknown field "trian", did you mean "train"?');
  });
});
