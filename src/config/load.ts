import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type * as z from 'zod';
import { configError, usageError } from '../kernel/errors.js';
import { configSchema, type MlopsConfig } from './schema.js';
import { formatIssues, type Origin } from './diagnostics.js';
import { envOverrides } from './env.js';
import { deepMerge, setPath, type JsonObject } from './merge.js';
import { isDataPath } from './paths.js';

export const CONFIG_FILE = 'mlops.config.json';

export interface LoadConfigOptions {
  readonly cwd: string;
  /** --config PATH; otherwise mlops.config.json is searched from cwd upwards. */
  readonly configPath?: string;
  /** --env NAME (or MLOPS_ENV). */
  readonly envName?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Values from flags, by dotted path (e.g. `registry`, `data.label`, `train.epochs`); win over everything. */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

export interface LoadedConfig {
  /** Paths from flags and MLOPS_* variables are absolute already (resolved against `cwd`). */
  readonly config: MlopsConfig;
  /** The config file; relative paths inside it resolve against its directory. */
  readonly file: string;
  readonly dir: string;
  readonly envName: string | undefined;
}

export function findConfigFile(cwd: string): string | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function readJson(file: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EISDIR') {
      throw usageError(
        `--config ${file} is a directory, not a configuration file.`,
        'MLOPS_USAGE_E1005',
        `Pass the file: --config ${path.join(file, CONFIG_FILE)}`,
      );
    }
    throw configError(
      `Cannot read ${file}: ${(cause as Error).message}`,
      'MLOPS_CONFIG_E2001',
      'Check that the file exists and that you may read it.',
    );
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as JsonObject;
  } catch (cause) {
    throw configError(
      `${file} is not a JSON object: ${(cause as Error).message}`,
      'MLOPS_CONFIG_E2002',
      'Fix the JSON syntax (an editor using the "$schema" of the file shows where).',
    );
  }
}

/**
 * Loads and validates the configuration with precedence flags > MLOPS_* env > --env section > file >
 * defaults. Every problem is reported at once, each naming where the bad value came from.
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const env = options.env ?? {};
  const file = options.configPath
    ? path.resolve(options.cwd, options.configPath)
    : findConfigFile(options.cwd);
  if (!file || !existsSync(file)) {
    throw configError(
      options.configPath
        ? `Config file ${file} does not exist.`
        : `No ${CONFIG_FILE} in ${options.cwd} or above.`,
      'MLOPS_CONFIG_E2001',
      'Run `mlops init` to create a project, or pass --config PATH.',
    );
  }
  const raw = readJson(file);
  const fileName = path.basename(file);
  const base = parseOrThrow(raw, () => fileName);

  const envName = options.envName ?? env.MLOPS_ENV;
  const origins = new Map<string, Origin>();
  let merged: JsonObject = { ...raw };
  delete merged.environments;
  if (envName !== undefined) {
    const section = base.environments[envName];
    if (!section) {
      const known = Object.keys(base.environments);
      throw configError(
        `--env ${envName}: ${fileName} has no environments.${envName} section.`,
        'MLOPS_CONFIG_E2004',
        known.length
          ? `Use one of: ${known.join(', ')}.`
          : `Add "environments": {"${envName}": {…}} to ${fileName}.`,
      );
    }
    merged = deepMerge(merged, (raw.environments as JsonObject)[envName] as JsonObject);
    recordOrigins(
      origins,
      (raw.environments as JsonObject)[envName] as JsonObject,
      '',
      `${fileName} environments.${envName}`,
    );
  }
  for (const { path: key, value, origin } of envOverrides(env)) {
    merged = setPath(merged, key, fromCommandLine(key, value, options.cwd));
    origins.set(key, origin);
  }
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    merged = setPath(merged, key, fromCommandLine(key, value, options.cwd));
    origins.set(key, `flag for ${key}`);
  }
  const final = parseOrThrow(merged, (issuePath) => originOf(origins, issuePath) ?? fileName);
  const { $schema: _schema, environments: _environments, ...config } = final;
  return { config, file, dir: path.dirname(file), envName };
}

/**
 * Fields that hold a local path. A relative one means the config file's directory when the file sets
 * it, and the current directory when a flag or an MLOPS_* variable does, as with any command-line
 * tool: those are made absolute here, so that later resolution against the config directory keeps them.
 */
const PATH_FIELDS: Readonly<Record<string, (value: string, cwd: string) => string>> = {
  'data.source': (value, cwd) => (isDataPath(value) ? path.resolve(cwd, value) : value),
  registry: (value, cwd) => resolveRegistryUri(value, cwd),
};

function fromCommandLine(key: string, value: unknown, cwd: string): unknown {
  const resolve = PATH_FIELDS[key];
  return resolve !== undefined && typeof value === 'string' && value !== '' ? resolve(value, cwd) : value;
}

function parseOrThrow(value: unknown, originFor: (path: string) => Origin): z.output<typeof configSchema> {
  const result = configSchema.safeParse(value);
  if (result.success) return result.data;
  throw configError(
    formatIssues(result.error.issues, value, originFor, configSchema),
    'MLOPS_CONFIG_E2003',
    'Fix the fields above; the JSON Schema in "$schema" lists what each allows.',
  );
}

function recordOrigins(
  origins: Map<string, Origin>,
  value: JsonObject,
  prefix: string,
  origin: Origin,
): void {
  for (const [key, child] of Object.entries(value)) {
    const dotted = prefix ? `${prefix}.${key}` : key;
    origins.set(dotted, origin);
    if (child && typeof child === 'object' && !Array.isArray(child))
      recordOrigins(origins, child as JsonObject, dotted, origin);
  }
}

function originOf(origins: Map<string, Origin>, dotted: string): Origin | undefined {
  for (let key = dotted; key; key = key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : '') {
    const origin = origins.get(key);
    if (origin) return origin;
  }
  return undefined;
}

/** Resolves the registry URI against the config directory (file:// paths are relative to it). */
export function resolveRegistryUri(uri: string, configDir: string): string {
  if (!uri.startsWith('file://')) return uri;
  const target = uri.slice('file://'.length);
  return `file://${path.resolve(configDir, target)}`;
}
