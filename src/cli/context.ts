import os from 'node:os';
import type { Readable } from 'node:stream';
import type { LoadConfigOptions, LoadedConfig } from '../config/load.js';
import type { ClusterClient } from '../core/ports/cluster.js';
import type { ImageRegistryClient } from '../core/ports/image-registry.js';
import type { ModelRegistry } from '../core/registry.js';
import type { CliIoHost } from './io-host.js';
import type { OutStream, Style } from './terminal.js';

/** Everything the CLI touches of the process, injectable so tests run the CLI in-process. */
export interface CliEnv {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly stdin: Readable & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted on Ctrl-C (bin/mlops); long operations stop cleanly and exit 130. */
  readonly signal?: AbortSignal;
  /** The parent process when this one started: a server stops when it goes away. */
  readonly parentPid?: number;
}

export interface GlobalOptions {
  readonly json: boolean;
  readonly yes: boolean;
  readonly config?: string;
  readonly env?: string;
  readonly verbose: boolean;
  readonly quiet: boolean;
  readonly color: boolean;
}

export interface CommandContext {
  readonly io: CliIoHost;
  readonly globals: GlobalOptions;
  readonly process: CliEnv;
  readonly style: Style;
  /** Whether a person can answer prompts (a TTY, no CI, no --yes). */
  readonly interactive: boolean;
  /** Loads and validates the configuration once; flag values (by dotted path) win over everything. */
  config(overrides?: LoadConfigOptions['overrides']): Promise<LoadedConfig>;
  /** The registry of the configured model, on the store its URI selects. */
  registry(loaded: LoadedConfig, uri?: string): Promise<ModelRegistry>;
  /**
   * The cluster client of the kubeconfig context: `context` (a --context flag), else the configuration's
   * cluster.context (MLOPS_KUBE_CONTEXT), else the kubeconfig's current-context. Without a configuration
   * (doctor when it does not load), MLOPS_KUBE_CONTEXT or the current-context.
   */
  cluster(loaded?: LoadedConfig, context?: string): Promise<ClusterClient>;
  /**
   * The client of the image registry at `host` (`ghcr.io`, `127.0.0.1:5000`): plain HTTP for loopback and
   * MLOPS_INSECURE_REGISTRIES hosts; credentials are looked up when the registry first challenges.
   */
  imageRegistry(host: string): Promise<ImageRegistryClient>;
  /** Reads an `s3://` data file with the configuration's S3 settings (the registry's endpoint, region). */
  readData(loaded: LoadedConfig, uri: string): Promise<Uint8Array>;
  /** `npm install` (offline) in a project that init just made. */
  installDependencies(dir: string): Promise<void>;
  /** Who is acting, for manifests and alias history. */
  actor(): string;
}

/** Whether this runs in CI (`CI` set to anything but empty, false or 0): nothing may prompt or open. */
export const isCi = (env: CliEnv['env']): boolean => {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
};

export function actorName(env: CliEnv['env']): string {
  if (env.GITHUB_ACTOR) return `${env.GITHUB_ACTOR} (github-actions)`;
  const user = env.USER ?? env.LOGNAME ?? safeUsername();
  return `${user}@${os.hostname()}`;
}

function safeUsername(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}
