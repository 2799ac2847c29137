import { readFile } from 'node:fs/promises';
import type { ClusterConfig } from '../../src/config/schema.js';
import type { ClusterClient } from '../../src/core/ports/cluster.js';
import { clusterError, type ClusterTarget } from './errors.js';

export interface OpenClusterOptions {
  /** The configuration's `cluster` section: its `context` (or MLOPS_KUBE_CONTEXT, mapped there). */
  readonly cluster: Pick<ClusterConfig, 'context'>;
  /** Decides KUBECONFIG, HOME and the exec plugins' environment. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The `--context` flag: wins over the configuration and the kubeconfig's current-context. */
  readonly context?: string;
}

/**
 * The one way to open the ClusterClient port (the CLI and the library): reads the kubeconfig, picks the
 * context, prepares its TLS and credentials. Nothing is sent yet: `serverVersion()` is the first call
 * that reaches the server. The kubeconfig parser (client-node) loads only here.
 */
export async function openCluster(options: OpenClusterOptions): Promise<ClusterClient> {
  const env = options.env ?? process.env;
  const [{ resolveKubeconfig }, { credentialSource }, { KubeTransport }, { KubeClusterClient }] =
    await Promise.all([
      import('./kubeconfig.js'),
      import('./credentials.js'),
      import('./transport.js'),
      import('./client.js'),
    ]);
  const resolved = await resolveKubeconfig(env, options.context ?? options.cluster.context);
  const { cluster, user } = resolved;
  const credentials = credentialSource(user, resolved.userDir, env);
  const target: ClusterTarget = {
    context: resolved.context,
    server: displayServer(cluster.server, resolved.context),
    cluster: cluster.name,
    user: user.name,
    auth: credentials.auth,
    ...(credentials.execCommand ? { execCommand: credentials.execCommand } : {}),
  };
  const tls = {
    ca: await certificateAuthority(cluster.caFile, cluster.caData, cluster.name),
    serverName: cluster.tlsServerName,
    skipVerify: cluster.skipTLSVerify,
  };
  return new KubeClusterClient(new KubeTransport(target, tls, credentials));
}

/** The server's address as messages show it: never with credentials in it. */
function displayServer(server: string, context: string): string {
  try {
    const url = new URL(server);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    throw clusterError(
      `The server of context ${context} is not a URL: ${server}.`,
      'MLOPS_CLUSTER_E7102',
      'Fix clusters[].cluster.server in the kubeconfig (https://HOST[:PORT]), or write it again: mlops infra kubeconfig.',
    );
  }
}

async function certificateAuthority(file: string | undefined, data: string | undefined, cluster: string) {
  if (data) return Buffer.from(data, 'base64');
  if (!file) return undefined;
  return readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw clusterError(
      `Cannot read the certificate authority ${file} of cluster "${cluster}" in the kubeconfig: ${error.code ?? error.message}.`,
      'MLOPS_CLUSTER_E7102',
      'Fix its certificate-authority path, or embed it as certificate-authority-data.',
    );
  });
}
