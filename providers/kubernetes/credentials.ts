import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { User } from '@kubernetes/client-node';
import { clusterError, type ClusterTarget } from './errors.js';

type Env = Readonly<Record<string, string | undefined>>;

/** What a request carries to authenticate: a header, or a client certificate. */
export interface RequestCredentials {
  readonly authorization?: string;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
}

export interface CredentialSource {
  readonly auth: ClusterTarget['auth'];
  readonly execCommand?: string;
  get(): Promise<RequestCredentials>;
  /** Forget a cached exec credential (after a 401 the plugin is asked again, as kubectl does). */
  invalidate(): void;
}

/** The `users[].user.exec` stanza of a kubeconfig (client.authentication.k8s.io). */
interface ExecConfig {
  readonly apiVersion?: string;
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: readonly { readonly name: string; readonly value: string }[];
}

interface ExecCredentialStatus {
  readonly token?: string;
  readonly clientCertificateData?: string;
  readonly clientKeyData?: string;
  readonly expirationTimestamp?: string;
}

/**
 * How the kubeconfig user authenticates. Exec plugins (`mlops eks-token`, `aws eks get-token`) run here
 * rather than in client-node, whose ExecAuth spawns them with process.env: the env mlops was given
 * (with the stanza's own env on top) decides, as it decides everything else.
 */
export function credentialSource(user: User, userDir: string, env: Env): CredentialSource {
  const exec = user.exec as ExecConfig | undefined;
  if (exec?.command) return execSource(exec, userDir, env);
  if (user.authProvider) {
    const name = (user.authProvider as { name?: string }).name ?? 'auth-provider';
    throw clusterError(
      `The kubeconfig user "${user.name}" authenticates with the "${name}" auth-provider, which mlops does not support.`,
      'MLOPS_CLUSTER_E7109',
      'Use an exec credential plugin instead (kubectl moved to them; on EKS `mlops infra kubeconfig` writes one).',
    );
  }
  if (user.token) return staticSource('token', { authorization: `Bearer ${user.token.trim()}` });
  if (user.username && user.password) {
    const basic = Buffer.from(`${user.username}:${user.password}`).toString('base64');
    return staticSource('basic', { authorization: `Basic ${basic}` });
  }
  if ((user.certFile || user.certData) && (user.keyFile || user.keyData)) {
    let pending: Promise<RequestCredentials> | undefined;
    return {
      auth: 'certificate',
      get: () =>
        (pending ??= Promise.all([
          fileOrData(user.certFile, user.certData),
          fileOrData(user.keyFile, user.keyData),
        ]).then(([cert, key]) => ({ cert, key }))),
      invalidate() {},
    };
  }
  return staticSource('none', {});
}

const staticSource = (auth: ClusterTarget['auth'], credentials: RequestCredentials): CredentialSource => ({
  auth,
  get: async () => credentials,
  invalidate() {},
});

async function fileOrData(file: string | undefined, data: string | undefined): Promise<Buffer> {
  return file ? readFile(file) : Buffer.from(data ?? '', 'base64');
}

function execSource(exec: ExecConfig, userDir: string, env: Env): CredentialSource {
  // kubectl: a relative path with a separator is relative to the kubeconfig's directory; a bare name is on PATH.
  const command =
    exec.command.includes('/') && !path.isAbsolute(exec.command)
      ? path.join(userDir, exec.command)
      : exec.command;
  let cached: { readonly credentials: RequestCredentials; readonly expires: number } | undefined;
  let pending: Promise<RequestCredentials> | undefined;
  return {
    auth: 'exec',
    execCommand: path.basename(exec.command),
    get() {
      if (cached && cached.expires > Date.now()) return Promise.resolve(cached.credentials);
      pending ??= runPlugin(command, exec, env)
        .then((status) => {
          const credentials: RequestCredentials = status.token
            ? { authorization: `Bearer ${status.token}` }
            : {
                cert: status.clientCertificateData,
                key: status.clientKeyData,
              };
          const expires = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : Infinity;
          cached = { credentials, expires };
          return credentials;
        })
        .finally(() => (pending = undefined));
      return pending;
    },
    invalidate: () => (cached = undefined),
  };
}

function runPlugin(command: string, exec: ExecConfig, env: Env): Promise<ExecCredentialStatus> {
  const name = path.basename(exec.command);
  const failed = (what: string, cause?: unknown) =>
    clusterError(
      `The kubeconfig credential plugin "${name}" ${what}.`,
      'MLOPS_CLUSTER_E7109',
      `Run \`${[exec.command, ...(exec.args ?? [])].join(' ')}\` to see its error (on EKS it needs AWS credentials: aws sts get-caller-identity).`,
      cause,
    );
  const childEnv: Record<string, string | undefined> = {
    ...env,
    ...Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value])),
    KUBERNETES_EXEC_INFO: JSON.stringify({
      apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false },
    }),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...(exec.args ?? [])], {
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        failed(
          error.code === 'ENOENT'
            ? 'was not found (not on PATH)'
            : `could not start: ${error.code ?? error.message}`,
          error,
        ),
      ),
    );
    child.on('close', (code) => {
      if (code !== 0) {
        const last = stderr.trim().split('\n').at(-1);
        reject(failed(`exited with ${code}${last ? `: ${last.slice(0, 300)}` : ''}`));
        return;
      }
      try {
        const credential = JSON.parse(Buffer.concat(stdout).toString('utf8')) as {
          readonly status?: ExecCredentialStatus;
        };
        const status = credential.status;
        if (!status?.token && !(status?.clientCertificateData && status.clientKeyData)) {
          reject(failed('printed an ExecCredential without a token or a client certificate'));
          return;
        }
        resolve(status);
      } catch {
        // not the parse error as the cause: its message quotes stdout, which may hold a token
        reject(failed('printed something that is not an ExecCredential (JSON)'));
      }
    });
  });
}
