import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contextDockerfile } from '../../providers/images/context-dockerfile.js';
import {
  loadTraceAnalysis,
  saveTraceAnalysis,
  type NftCache,
} from '../../providers/images/trace-analysis-cache.js';
import { tempDir } from '../support/temp-dir.js';

const settings = {
  entrypoint: ['node', 'serving/server.mjs'],
  env: { NODE_ENV: 'production', GREETING: 'say "hi" \\ bye' },
  user: '1000:1000',
  workingDir: '/app',
  exposedPorts: ['8080/tcp'],
  labels: { 'org.opencontainers.image.version': 'v1 beta', 'mlops.dev/model': 'iris' },
  created: '2023-11-14T22:13:20Z',
};

describe('the Dockerfile buildah and docker build (context-dockerfile.ts)', () => {
  const text = contextDockerfile(
    settings,
    [
      { file: 'layer-1.tar.gz', comment: 'serving dependencies (node_modules)' },
      { file: 'layer-2.tar.gz', comment: 'serving app' },
    ],
    'the serving image',
  );
  const instructions = text.split('\n').filter((line) => line && !line.startsWith('#'));

  it('ADDs the layer archives in order onto the BASE argument, and runs nothing', () => {
    expect(instructions.slice(0, 4)).toEqual([
      'ARG BASE',
      'FROM ${BASE}',
      'ADD layer-1.tar.gz /',
      'ADD layer-2.tar.gz /',
    ]);
    expect(instructions.some((line) => line.startsWith('RUN'))).toBe(false);
  });

  it('sets the config the oci builder writes, values quoted so spaces and quotes survive', () => {
    expect(instructions.slice(4)).toEqual([
      'ENV NODE_ENV="production"',
      'ENV GREETING="say \\"hi\\" \\\\ bye"',
      'WORKDIR /app',
      'USER 1000:1000',
      'EXPOSE 8080/tcp',
      'LABEL "org.opencontainers.image.version"="v1 beta"',
      'LABEL "mlops.dev/model"="iris"',
      'STOPSIGNAL SIGTERM',
      'ENTRYPOINT ["node","serving/server.mjs"]',
    ]);
  });
});

describe('the trace analysis kept between builds (trace-analysis-cache.ts)', () => {
  const dir = tempDir('mlops-trace-cache-');
  const file = path.join(dir, 'trace-analysis.json');
  const a = path.join(dir, 'a.js');
  const b = path.join(dir, 'b.js');
  const analysis = (dep: string) => ({
    deps: new Set([dep]),
    imports: new Set<string>(),
    assets: new Set<string>(),
    isESM: false,
  });

  it('reloads the analysis of unchanged files only', () => {
    writeFileSync(a, "require('x')");
    writeFileSync(b, "require('y')");
    saveTraceAnalysis(file, {
      analysisCache: new Map([
        [a, analysis('x')],
        [b, analysis('y')],
        [path.join(dir, 'gone.js'), analysis('z')],
      ]),
    });
    // b changes (its time; the size may even stay): it must be parsed again.
    utimesSync(b, new Date(), new Date(Date.now() + 5_000));
    const cache: NftCache = {};
    loadTraceAnalysis(file, cache);
    expect([...cache.analysisCache!.keys()]).toEqual([a]);
    expect(cache.analysisCache!.get(a)).toEqual(analysis('x'));
  });

  it('starts afresh when another nft version wrote the file', () => {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { nft: string };
    writeFileSync(file, JSON.stringify({ ...saved, nft: '0.0.0' }));
    const cache: NftCache = {};
    loadTraceAnalysis(file, cache);
    expect(cache.analysisCache?.size).toBe(0);
  });
});
