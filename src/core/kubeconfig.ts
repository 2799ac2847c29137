import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Document, isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { MlopsError } from '../kernel/errors.js';
import { homeDir } from '../kernel/home.js';
import { infraOutput, type InfraOptions } from './infra.js';
import type { StackOutputValue } from './ports/infra-runner.js';

/**
 * `mlops infra kubeconfig`: a kubeconfig context for the cluster the stacks made, whose user runs
 * `mlops eks-token` (as `aws eks update-kubeconfig` writes one running `aws eks get-token`). The merge
 * is a pure text-to-text function over the YAML document, so every other entry, unknown field and
 * comment stays as it was; the file is replaced atomically.
 */

/** How to reach the cluster: the cluster stack's outputs and the project's region. */
export interface ClusterAccess {
  readonly clusterName: string;
  readonly server: string;
  /** Base64 PEM, as EKS reports it and kubeconfig's `certificate-authority-data` holds it. */
  readonly certificateAuthorityData: string;
  readonly region: string;
}

export interface ExecConfig {
  readonly apiVersion: string;
  readonly args: readonly string[];
  readonly command: string;
  readonly env?: readonly { readonly name: string; readonly value: string }[];
  readonly installHint: string;
  readonly interactiveMode: 'Never';
  readonly provideClusterInfo: false;
}

/** One cluster, user and context. */
export interface KubeconfigEntry {
  /** The cluster and user entries' name. */
  readonly name: string;
  readonly context: string;
  readonly server: string;
  readonly certificateAuthorityData: string;
  readonly exec: ExecConfig;
}

/**
 * `mlops-<cluster>-<region>`: an EKS name is unique per account and region only, and `--env` sections
 * often keep the cluster name and change the region, so the region keeps their entries apart; the
 * prefix says who wrote it. (aws-cli uses the cluster ARN, which the stacks' outputs do not give.)
 */
export const defaultEntryName = (access: Pick<ClusterAccess, 'clusterName' | 'region'>): string =>
  `mlops-${access.clusterName}-${access.region}`;

export function kubeconfigEntry(
  access: ClusterAccess,
  options: { readonly context?: string; readonly profile?: string } = {},
): KubeconfigEntry {
  const name = defaultEntryName(access);
  return {
    name,
    context: options.context ?? name,
    server: access.server,
    certificateAuthorityData: access.certificateAuthorityData,
    exec: {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      args: ['eks-token', '--cluster', access.clusterName, '--region', access.region],
      // On PATH, as aws-cli writes `aws`: the file stays valid across upgrades and machines.
      command: 'mlops',
      // The profile that wrote the entry signs the tokens, whatever AWS_PROFILE kubectl later runs under.
      ...(options.profile ? { env: [{ name: 'AWS_PROFILE', value: options.profile }] } : {}),
      installHint:
        'mlops makes the EKS token for this context: install it (npm install -g mlops) or put it on PATH.',
      interactiveMode: 'Never',
      provideClusterInfo: false,
    },
  };
}

// Keys in the order kubectl writes them (sorted), so a later `kubectl config …` does not reorder them.
const EMPTY_KUBECONFIG = {
  apiVersion: 'v1',
  clusters: [],
  contexts: [],
  'current-context': '',
  kind: 'Config',
  preferences: {},
  users: [],
};

const invalid = (file: string, reason: string): MlopsError =>
  new MlopsError(`${file} is not a kubeconfig mlops can merge into: ${reason}.`, {
    code: 'MLOPS_CLUSTER_E7133',
    hint: 'Fix or move that file, or write to another one with --kubeconfig PATH.',
  });

/** The named entry of `clusters`, `users` or `contexts`, created (in block style) when absent. */
function namedEntry(doc: Document, list: string, name: string, file: string): YAMLMap {
  let seq = doc.get(list);
  if (seq === undefined || seq === null) {
    doc.set(list, doc.createNode([]));
    seq = doc.get(list);
  }
  if (!isSeq(seq)) throw invalid(file, `"${list}" is not a list`);
  const found = seq.items.find((item) => isMap(item) && item.get('name') === name);
  if (found) return found as YAMLMap;
  seq.flow = false; // `users: []` grows into a block list, as kubectl writes it
  const created = doc.createNode({ name }) as YAMLMap;
  seq.add(created);
  return created;
}

/** Sets `key` under the entry (after `name`'s sorted place: `cluster`/`context` first, `user` last). */
function setValue(doc: Document, entry: YAMLMap, key: string, value: unknown): void {
  const node = doc.createNode(value);
  if (entry.has(key) || key > 'name') entry.set(key, node);
  else entry.items.unshift(doc.createPair(key, node));
}

/**
 * `existing` (a kubeconfig's text, '' for none) with the entry's cluster, user and context written in:
 * same-named entries are replaced (the context keeps its namespace and other fields), everything else
 * is kept as it was. Pure and deterministic: merging twice gives the same text.
 */
export function mergeKubeconfig(
  existing: string,
  entry: KubeconfigEntry,
  options: { readonly setCurrent?: boolean; readonly file?: string } = {},
): string {
  const file = options.file ?? 'the kubeconfig';
  const doc = existing.trim() === '' ? new Document(EMPTY_KUBECONFIG) : parseDocument(existing);
  if (doc.errors.length > 0) throw invalid(file, doc.errors[0]?.message.split('\n')[0] ?? 'not YAML');
  if (!isMap(doc.contents)) throw invalid(file, 'it is not a mapping');

  setValue(doc, namedEntry(doc, 'clusters', entry.name, file), 'cluster', {
    'certificate-authority-data': entry.certificateAuthorityData,
    server: entry.server,
  });
  setValue(doc, namedEntry(doc, 'users', entry.name, file), 'user', { exec: entry.exec });
  const context = namedEntry(doc, 'contexts', entry.context, file);
  const current = context.get('context');
  if (isMap(current)) {
    current.set('cluster', entry.name);
    current.set('user', entry.name);
  } else {
    setValue(doc, context, 'context', { cluster: entry.name, user: entry.name });
  }
  if (options.setCurrent !== false) doc.set('current-context', entry.context);
  // kubectl's style: list items not indented under their key, long base64 never folded.
  return doc.toString({ indentSeq: false, lineWidth: 0 });
}

/** --kubeconfig, else the first file of KUBECONFIG (where kubectl puts new entries), else ~/.kube/config. */
export function kubeconfigPath(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  flag?: string,
): string {
  const fromEnv = (env.KUBECONFIG ?? '').split(path.delimiter).find((p) => p !== '');
  const chosen = flag ?? fromEnv;
  return chosen ? path.resolve(cwd, chosen) : path.join(homeDir(env), '.kube', 'config');
}

const OUTPUTS = ['cluster_name', 'cluster_endpoint', 'cluster_certificate_authority'] as const;

/** The cluster stack's outputs as ClusterAccess; absent ones mean the stack was never applied. */
export function clusterAccess(
  outputs: Readonly<Record<string, StackOutputValue>> | undefined,
  region: string,
): ClusterAccess {
  const value = (name: (typeof OUTPUTS)[number]): string | undefined => {
    const v = outputs?.[name]?.value;
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const missing = OUTPUTS.filter((name) => value(name) === undefined);
  if (missing.length > 0) {
    throw new MlopsError(`The cluster stack has no ${missing.join(', ')} output: it is not applied yet.`, {
      code: 'MLOPS_CLUSTER_E7132',
      hint: 'Run `mlops infra up` first (with the same --env, if any), then run this again.',
    });
  }
  return {
    clusterName: value('cluster_name')!,
    server: value('cluster_endpoint')!,
    certificateAuthorityData: value('cluster_certificate_authority')!,
    region,
  };
}

export interface KubeconfigOptions extends InfraOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves a relative --kubeconfig or KUBECONFIG. */
  readonly cwd: string;
  /** `--kubeconfig PATH`. */
  readonly kubeconfig?: string;
  /** `--context NAME`: the context's name (default `mlops-<cluster>-<region>`). */
  readonly context?: string;
  /** @default true */
  readonly setCurrent?: boolean;
}

export interface KubeconfigResult {
  readonly kubeconfig: string;
  readonly context: string;
  readonly cluster: string;
  readonly server: string;
  readonly currentContext: boolean;
  /** False when the file already held exactly this, with mode 0600 (it is then not rewritten). */
  readonly changed: boolean;
}

/** Reads the cluster stack's outputs and writes or merges its context into the kubeconfig (mode 0600). */
export async function writeKubeconfig(options: KubeconfigOptions): Promise<KubeconfigResult> {
  const { stacks } = await infraOutput({ ...options, stack: 'cluster' });
  const access = clusterAccess(stacks.cluster, options.config.region);
  const entry = kubeconfigEntry(access, { context: options.context, profile: options.env.AWS_PROFILE });
  const file = kubeconfigPath(options.env, options.cwd, options.kubeconfig);
  // A symlinked kubeconfig (dotfiles repos) is updated where it points, not replaced by a file.
  const target = await fs.realpath(file).catch(() => file);
  const current = await readIfExists(target);
  const next = mergeKubeconfig(current?.text ?? '', entry, { setCurrent: options.setCurrent, file });
  const changed = current?.text !== next || current.mode !== 0o600;
  if (changed) await writeAtomically(target, next, 0o600);
  return {
    kubeconfig: file,
    context: entry.context,
    cluster: access.clusterName,
    server: access.server,
    currentContext: options.setCurrent !== false,
    changed,
  };
}

async function readIfExists(file: string): Promise<{ text: string; mode: number } | undefined> {
  try {
    const [text, stat] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
    return { text, mode: stat.mode & 0o777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Temp file (created with `mode`, so the content is never readable by others) then rename. */
async function writeAtomically(file: string, text: string, mode: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(temp, text, { mode, flag: 'wx' });
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}
