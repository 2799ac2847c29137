import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../support/free-port.js';

/** Debian's `prometheus` on a loopback port with its own config and tsdb (DESIGN.md §7), for one suite. */

export interface ScrapeTarget {
  readonly address: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface PrometheusOptions {
  readonly dir: string;
  readonly job: string;
  readonly targets: readonly ScrapeTarget[];
  /** Rule groups as a Prometheus rule file holds them. */
  readonly ruleGroups: readonly unknown[];
}

export interface QueryAnswer {
  readonly status: string;
  readonly error?: string;
  readonly data?: {
    readonly resultType: string;
    /** An instant vector: labels and [time, value]. */
    readonly result: readonly { readonly metric: Record<string, string>; readonly value: [number, string] }[];
  };
}

export interface ActiveAlert {
  readonly labels: Record<string, string>;
  readonly state: 'pending' | 'firing';
}

export interface RunningPrometheus {
  readonly url: string;
  query(expr: string): Promise<QueryAnswer>;
  alerts(): Promise<ActiveAlert[]>;
  stop(): Promise<void>;
}

/** Starts it and resolves once it logs that it serves web requests (its rules are loaded by then). */
export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const rules = path.join(options.dir, 'rules.yaml');
  const config = path.join(options.dir, 'prometheus.yaml');
  writeFileSync(rules, stringify({ groups: options.ruleGroups }));
  writeFileSync(
    config,
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [rules],
      scrape_configs: [
        {
          job_name: options.job,
          static_configs: options.targets.map((t) => ({ targets: [t.address], labels: t.labels })),
        },
      ],
    }),
  );
  const port = await freePort();
  const child = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(options.dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk;
      if (log.includes('Server is ready to receive web requests')) resolve();
    });
    void exited.then((code) => reject(new Error(`prometheus exited ${code}:\n${log}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: expr }),
      });
      return (await res.json()) as QueryAnswer;
    },
    async alerts() {
      const res = await fetch(`${url}/api/v1/alerts`);
      return ((await res.json()) as { data: { alerts: ActiveAlert[] } }).data.alerts;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
