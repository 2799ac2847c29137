import { execFileSync } from 'node:child_process';

/** The image config as `skopeo inspect --config` shows it (image-spec config.md): the fields tests read. */
export interface InspectedConfig {
  readonly created: string;
  readonly architecture: string;
  readonly os: string;
  readonly config: {
    readonly Entrypoint: string[];
    readonly Cmd?: string[];
    readonly User: string;
    readonly WorkingDir: string;
    readonly Env: string[];
    readonly ExposedPorts?: Record<string, unknown>;
    readonly Labels: Record<string, string>;
  };
  readonly rootfs: { readonly diff_ids: string[] };
  readonly history: { readonly created_by?: string }[];
}

/** skopeo, the independent client the image tests read the registry with; its stdout. */
export const skopeo = (...args: string[]): string =>
  execFileSync('skopeo', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** `skopeo inspect` of a registry on 127.0.0.1 (plain HTTP). */
const inspect = (...args: string[]): string => skopeo('inspect', '--tls-verify=false', ...args);

export const inspectDigest = (ref: string): string => inspect('--format', '{{.Digest}}', ref).trim();
export const inspectRaw = <T>(ref: string): T => JSON.parse(inspect('--raw', ref)) as T;
export const inspectConfig = (ref: string): InspectedConfig =>
  JSON.parse(inspect('--config', ref)) as InspectedConfig;
