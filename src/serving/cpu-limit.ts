import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';

/**
 * The CPUs a cgroup v2 `cpu.max` allows ("200000 100000" → 2, "150000 100000" → 1.5), or undefined for
 * no limit ("max 100000") and for text that is not a quota.
 */
export function parseCpuMax(text: string): number | undefined {
  const [quota, period = '100000'] = text.trim().split(/\s+/);
  return quotaCpus(quota, period);
}

/** The same from cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us` (a quota of -1 means no limit). */
export function parseCfsQuota(quotaUs: string, periodUs: string): number | undefined {
  return quotaCpus(quotaUs.trim(), periodUs.trim());
}

function quotaCpus(quota: string | undefined, period: string): number | undefined {
  const q = Number(quota);
  const p = Number(period);
  if (quota === undefined || quota === 'max' || !(q > 0) || !(p > 0)) return undefined;
  return q / p;
}

/**
 * Workers for `serve.workers: "auto"`: the CPU limit rounded down, at least 1 and at most the CPUs this
 * process can run on; without a limit, every CPU it can run on.
 */
export function workersForCpus(limit: number | undefined, available: number): number {
  if (limit === undefined) return Math.max(1, available);
  return Math.max(1, Math.min(Math.floor(limit), available));
}

/** The container's CPU limit from cgroup v2, else v1; undefined when there is none or no cgroup. */
export async function readCpuLimit(root = '/sys/fs/cgroup'): Promise<number | undefined> {
  const read = (file: string) => readFile(path.join(root, file), 'utf8').catch(() => undefined);
  const cpuMax = await read('cpu.max');
  if (cpuMax !== undefined) return parseCpuMax(cpuMax);
  for (const dir of ['cpu', 'cpu,cpuacct']) {
    const [quota, period] = await Promise.all([
      read(`${dir}/cpu.cfs_quota_us`),
      read(`${dir}/cpu.cfs_period_us`),
    ]);
    if (quota !== undefined && period !== undefined) return parseCfsQuota(quota, period);
  }
  return undefined;
}

/** `serve.workers` as a number of processes. */
export async function resolveWorkers(setting: number | 'auto'): Promise<number> {
  if (setting !== 'auto') return setting;
  return workersForCpus(await readCpuLimit(), availableParallelism());
}
