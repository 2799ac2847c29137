import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Cluster, KubeConfig, User } from '@kubernetes/client-node';
import { closest } from '../../src/config/suggest.js';
import type { MlopsError } from '../../src/kernel/errors.js';
import { homeDir } from '../../src/kernel/home.js';
import { clusterError } from './errors.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The kubeconfig files to read, in precedence order, and whether they came from KUBECONFIG. */
export function kubeconfigPaths(env: Env): { readonly paths: readonly string[]; readonly fromEnv: boolean } {
  const listed = (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  return listed.length
    ? { paths: listed, fromEnv: true }
    : { paths: [path.join(homeDir(env), '.kube', 'config')], fromEnv: false };
}

/** The context in use, with its cluster and user, resolved as kubectl resolves them. */
export interface ResolvedKubeconfig {
  readonly context: string;
  readonly cluster: Cluster;
  readonly user: User;
  /** The directory of the file that defined the user: a relative exec command resolves against it. */
  readonly userDir: string;
  /** The files read, in precedence order (for messages). */
  readonly files: readonly string[];
}

interface ParsedFile {
  readonly file: string;
  readonly config: KubeConfig;
}

/**
 * Reads the kubeconfig the env points at and picks the context: `requested` (--context, then
 * cluster.context), else the merged current-context. Several KUBECONFIG files merge as kubectl merges
 * them: for each cluster, user and context name, and for current-context, the first file that sets it
 * wins; missing files in the list are skipped.
 */
export async function resolveKubeconfig(env: Env, requested?: string): Promise<ResolvedKubeconfig> {
  const { paths, fromEnv } = kubeconfigPaths(env);
  const { KubeConfig } = await import('@kubernetes/client-node');
  const parsed: ParsedFile[] = [];
  for (const file of paths) {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw clusterError(
        `Cannot read the kubeconfig ${file}: ${error.code ?? error.message}.`,
        'MLOPS_CLUSTER_E7102',
        'Check the file permissions, or point KUBECONFIG at a readable file.',
      );
    });
    if (text === undefined) continue;
    const config = new KubeConfig();
    if (text.trim()) {
      try {
        config.loadFromString(text);
      } catch (error) {
        throw clusterError(
          `The kubeconfig ${file} is not valid: ${firstLine(error)}.`,
          'MLOPS_CLUSTER_E7102',
          'Fix the file (kubectl config view shows what kubectl reads), or write a new one: mlops infra kubeconfig.',
        );
      }
      config.makePathsAbsolute(path.dirname(file));
    }
    parsed.push({ file, config });
  }
  if (!parsed.length) {
    throw clusterError(
      `No kubeconfig found (looked at ${paths.join(', ')}${fromEnv ? ', from KUBECONFIG' : ''}).`,
      'MLOPS_CLUSTER_E7101',
      "On EKS, `mlops infra kubeconfig` writes one (after `mlops infra up`); otherwise set KUBECONFIG to your cluster's kubeconfig.",
    );
  }
  return pickContext(parsed, requested);
}

function pickContext(parsed: readonly ParsedFile[], requested: string | undefined): ResolvedKubeconfig {
  const files = parsed.map((p) => p.file);
  const contexts = firstByName(parsed, (c) => c.getContexts());
  const clusters = firstByName(parsed, (c) => c.getClusters());
  const users = firstByName(parsed, (c) => c.getUsers());
  const current = parsed.map((p) => p.config.getCurrentContext()).find(Boolean);
  const name = requested ?? current;
  if (!name) {
    throw clusterError(
      `The kubeconfig (${files.join(', ')}) has no current-context and no context was chosen.`,
      'MLOPS_CLUSTER_E7104',
      contexts.size
        ? `Pass --context, set cluster.context or MLOPS_KUBE_CONTEXT (available: ${[...contexts.keys()].join(', ')}).`
        : 'Write a context with `mlops infra kubeconfig`, or point KUBECONFIG at a complete kubeconfig.',
    );
  }
  const context = contexts.get(name)?.value;
  if (!context) {
    const suggestion = closest(name, contexts.keys());
    throw clusterError(
      `The kubeconfig context "${name}" does not exist in ${files.join(', ')}.`,
      'MLOPS_CLUSTER_E7103',
      `${suggestion ? `Did you mean "${suggestion}"? ` : ''}Available: ${[...contexts.keys()].join(', ') || 'none'}. Choose one with --context, cluster.context or MLOPS_KUBE_CONTEXT.`,
    );
  }
  const cluster = clusters.get(context.cluster)?.value;
  const user = users.get(context.user);
  if (!cluster) throw danglingReference(name, 'cluster', context.cluster, files);
  if (!user) throw danglingReference(name, 'user', context.user, files);
  return { context: name, cluster, user: user.value, userDir: path.dirname(user.file), files };
}

/** Entries by name, the first file's entry winning (kubectl's merge rule). */
function firstByName<T extends { readonly name: string }>(
  parsed: readonly ParsedFile[],
  entries: (config: KubeConfig) => readonly T[],
): Map<string, { readonly value: T; readonly file: string }> {
  const byName = new Map<string, { readonly value: T; readonly file: string }>();
  for (const { file, config } of parsed) {
    for (const value of entries(config)) if (!byName.has(value.name)) byName.set(value.name, { value, file });
  }
  return byName;
}

function danglingReference(
  context: string,
  what: string,
  name: string,
  files: readonly string[],
): MlopsError {
  return clusterError(
    `The kubeconfig context "${context}" names ${what} "${name}", which is not in ${files.join(', ')}.`,
    'MLOPS_CLUSTER_E7102',
    'Write a complete kubeconfig with `mlops infra kubeconfig`, or fix the context (kubectl config view).',
  );
}

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
