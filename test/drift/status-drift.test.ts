import { describe, expect, it } from 'vitest';
import { printStatus } from '../../src/cli/commands/status-print.js';
import type { PodObject } from '../../src/core/cluster-train/objects.js';
import type { StatusReport } from '../../src/core/status/read.js';
import { driftingFeatures, podSummaries } from '../../src/core/status/serving.js';

const plain = {
  bold: (t: string) => t,
  dim: (t: string) => t,
  red: (t: string) => t,
  green: (t: string) => t,
  yellow: (t: string) => t,
  cyan: (t: string) => t,
};

const pod = (name: string): PodObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'serving' },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  }) as PodObject;

describe('mlops status: drift from each pod’s /v2/models metadata', () => {
  it('keeps the features past PSI 0.2, worst first; nothing without a drift report', () => {
    const parameters = {
      baseline: true,
      drift: { rows: 300, features: { a: 0.05, b: 0.9, c: 0.21, d: 0.2 }, predictions: 0.3 },
    };
    expect(driftingFeatures(parameters)).toEqual([
      { feature: 'b', psi: 0.9 },
      { feature: 'c', psi: 0.21 },
    ]);
    expect(driftingFeatures({ baseline: false })).toEqual([]);
    expect(driftingFeatures(undefined)).toEqual([]);
  });

  it('prints one line per drifting pod naming its worst features', () => {
    const served = new Map([
      [
        'iris-serving-1',
        { version: 'v1.0', drift: driftingFeatures({ drift: { features: { b: 0.9, c: 0.4 } } }) },
      ],
      ['iris-serving-2', { version: 'v1.0', drift: [] }],
    ]);
    const pods = podSummaries([pod('iris-serving-1'), pod('iris-serving-2')], served);
    expect(pods[0]?.drift).toEqual([
      { feature: 'b', psi: 0.9 },
      { feature: 'c', psi: 0.4 },
    ]);
    expect(pods[1]).not.toHaveProperty('drift');
    const report: StatusReport = {
      model: 'iris',
      aliases: { production: 'v1.0' },
      training: { jobs: [] },
      serving: {
        namespace: 'serving',
        deployment: {
          name: 'iris-serving',
          namespace: 'serving',
          desired: 2,
          updated: 2,
          ready: 2,
          available: 2,
          restarts: 0,
          rollout: 'complete',
          revision: '1',
          lastRollout: null,
          image: null,
          follows: 'alias-production',
          conditions: [],
        },
        pods,
        canary: null,
        hpa: null,
        address: null,
      },
      cluster: { context: 'test', server: 'https://127.0.0.1' },
    };
    const lines: string[] = [];
    printStatus(report, (line = '') => lines.push(line), plain);
    expect(lines).toContain('  Drift in iris-serving-1 (PSI > 0.2): b 0.90, c 0.40');
    expect(lines.filter((l) => l.includes('Drift in'))).toHaveLength(1);
  });
});
