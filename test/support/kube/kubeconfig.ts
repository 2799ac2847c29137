import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  /** Context, cluster and user name (default `mlops-dev`). */
  readonly context?: string;
  readonly namespace?: string;
}

/** A kubeconfig with the CA inline and a bearer-token user: kubectl and client-node both read it. */
export function kubeconfigYaml(
  server: string,
  caPem: string,
  token: string,
  options: KubeconfigOptions = {},
): string {
  const name = options.context ?? 'mlops-dev';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } },
    ],
    users: [{ name, user: { token } }],
    contexts: [
      {
        name,
        context: {
          cluster: name,
          user: name,
          ...(options.namespace ? { namespace: options.namespace } : {}),
        },
      },
    ],
    'current-context': name,
    preferences: {},
  });
}

/** Writes it (temp name, then rename; mode 0600, it holds a token) and returns the path. */
export async function writeKubeconfig(file: string, text: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, text, { mode: 0o600 });
  await rename(temp, file);
  return file;
}
