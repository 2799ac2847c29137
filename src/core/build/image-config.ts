import type { Descriptor } from '../ports/image-registry.js';
import type { MediaTypes } from './media-types.js';

/** What mlops sets in an image's config on top of its base's. */
export interface ImageSettings {
  readonly entrypoint: readonly string[];
  /** Added to the base's environment (a name the base sets is replaced in place). */
  readonly env: Readonly<Record<string, string>>;
  readonly user: string;
  readonly workingDir: string;
  /** e.g. `8080/tcp`. */
  readonly exposedPorts: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** RFC 3339, from SOURCE_DATE_EPOCH: the same inputs give the same config. */
  readonly created: string;
}

/** A layer mlops adds: its blob descriptor, its diffID, and a line for the history. */
export interface AddedLayer {
  readonly digest: string;
  readonly size: number;
  readonly diffId: string;
  readonly comment: string;
}

type Json = Record<string, unknown>;

const record = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** The config of the new image: the base's (platform, PATH …) with our settings and layers (image-spec config.md). */
export function imageConfig(base: Json, settings: ImageSettings, layers: readonly AddedLayer[]): Uint8Array {
  const baseConfig = record(base.config);
  const { Cmd: _cmd, Healthcheck: _healthcheck, ...kept } = baseConfig;
  const config = {
    ...kept,
    User: settings.user,
    Env: mergeEnv(list(baseConfig.Env).map(String), settings.env),
    // The base's Cmd (node's is ["node"]) would become arguments of our entrypoint.
    Entrypoint: [...settings.entrypoint],
    WorkingDir: settings.workingDir,
    ...(settings.exposedPorts.length > 0 && {
      ExposedPorts: Object.fromEntries(settings.exposedPorts.map((port) => [port, {}])),
    }),
    Labels: { ...record(baseConfig.Labels), ...settings.labels },
    StopSignal: 'SIGTERM',
  };
  const rootfs = record(base.rootfs);
  return json({
    created: settings.created,
    architecture: base.architecture,
    ...(base.variant !== undefined && { variant: base.variant }),
    os: base.os,
    config,
    rootfs: { type: 'layers', diff_ids: [...list(rootfs.diff_ids), ...layers.map((l) => l.diffId)] },
    history: [
      ...list(base.history),
      ...layers.map((layer) => ({
        created: settings.created,
        created_by: 'mlops build',
        comment: layer.comment,
      })),
    ],
  });
}

function mergeEnv(base: readonly string[], added: Readonly<Record<string, string>>): string[] {
  const pending = new Map(Object.entries(added));
  const merged = base.map((entry) => {
    const name = entry.split('=', 1)[0]!;
    const value = pending.get(name);
    if (value === undefined) return entry;
    pending.delete(name);
    return `${name}=${value}`;
  });
  return [...merged, ...[...pending].map(([name, value]) => `${name}=${value}`)];
}

/** The image manifest: the base's layers as they are, then ours, in the base's media-type family. */
export function imageManifest(
  types: MediaTypes,
  config: { readonly digest: string; readonly size: number },
  baseLayers: readonly Descriptor[],
  layers: readonly AddedLayer[],
): Uint8Array {
  return json({
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: types.config, digest: config.digest, size: config.size },
    layers: [
      ...baseLayers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
      ...layers.map(({ digest, size }) => ({ mediaType: types.layer, digest, size })),
    ],
  });
}

/** An index of one manifest per platform (a multi-platform build). */
export function imageIndex(types: MediaTypes, manifests: readonly Descriptor[]): Uint8Array {
  return json({
    schemaVersion: 2,
    mediaType: types.index,
    manifests: manifests.map(({ mediaType, digest, size, platform }) => ({
      mediaType,
      digest,
      size,
      platform,
    })),
  });
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
