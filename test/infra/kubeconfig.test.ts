import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  clusterAccess,
  kubeconfigEntry,
  kubeconfigPath,
  mergeKubeconfig,
  writeKubeconfig,
  type ClusterAccess,
  type KubeconfigOptions,
} from '../../src/core/kubeconfig.js';
import type {
  InfraRunner,
  StackOutputValue,
  SynthesizedStack,
  SynthRequest,
  SynthResult,
} from '../../src/core/ports/infra-runner.js';
import { MlopsError } from '../../src/kernel/errors.js';
import { MemoryIoHost } from '../../src/kernel/io-host.js';
import { verifyEksToken } from '../aws/eks-token-verifier.js';
import { generateTls } from '../support/kube/tls.js';
import { binPath, runMlops } from '../support/run-mlops.js';
import { NO_AWS_CREDENTIALS } from '../support/sealed-env.js';
import { tempDir } from '../support/temp-dir.js';
import { missingTool } from '../support/tools.js';
import { makeConfig } from './fixtures.js';

const execFileP = promisify(execFile);

const ACCESS: ClusterAccess = {
  clusterName: 'iris-cluster',
  server: 'https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com',
  certificateAuthorityData: Buffer.from(
    '-----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----\n',
  ).toString('base64'),
  region: 'eu-west-1',
};
const NAME = 'mlops-iris-cluster-eu-west-1';

/** A kubeconfig as kubectl and kind write them, with a comment, a namespace and fields mlops knows nothing of. */
const KIND_CONFIG = `# managed by hand: keep this comment
apiVersion: v1
clusters:
- cluster:
    certificate-authority: /etc/kind/ca.crt
    server: https://127.0.0.1:6443
  name: kind-dev
contexts:
- context:
    cluster: kind-dev
    namespace: serving
    user: kind-dev
  name: kind-dev
current-context: kind-dev
kind: Config
preferences:
  colors: true
users:
- name: kind-dev
  user:
    token: not-a-real-token
extensions:
- name: vendor-thing
  extension:
    flavour: vanilla
`;

type Kubeconfig = {
  'current-context'?: string;
  clusters: { name: string; cluster: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  [key: string]: unknown;
};

const byName = <T extends { name: string }>(list: T[], name: string): T | undefined =>
  list.find((item) => item.name === name);

async function rejection(work: () => unknown): Promise<MlopsError> {
  try {
    await work();
  } catch (error) {
    if (MlopsError.is(error)) return error;
    throw error;
  }
  throw new Error('expected an MlopsError');
}

describe('mergeKubeconfig', () => {
  const entry = kubeconfigEntry(ACCESS);

  it('writes a complete kubeconfig when there is none, the user running `mlops eks-token`', () => {
    const doc = parse(mergeKubeconfig('', entry)) as Kubeconfig;
    expect(doc).toMatchObject({ apiVersion: 'v1', kind: 'Config', 'current-context': NAME });
    expect(doc.clusters).toEqual([
      {
        name: NAME,
        cluster: { server: ACCESS.server, 'certificate-authority-data': ACCESS.certificateAuthorityData },
      },
    ]);
    expect(doc.contexts).toEqual([{ name: NAME, context: { cluster: NAME, user: NAME } }]);
    expect(doc.users).toEqual([
      {
        name: NAME,
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: 'mlops',
            args: ['eks-token', '--cluster', 'iris-cluster', '--region', 'eu-west-1'],
            installHint: expect.stringContaining('mlops'),
            interactiveMode: 'Never',
            provideClusterInfo: false,
          },
        },
      },
    ]);
  });

  it('keeps every other entry, unknown field and comment, and is idempotent', () => {
    const merged = mergeKubeconfig(KIND_CONFIG, entry);
    const before = parse(KIND_CONFIG) as Kubeconfig;
    const after = parse(merged) as Kubeconfig;
    expect(merged.startsWith('# managed by hand: keep this comment\n')).toBe(true);
    expect(byName(after.clusters, 'kind-dev')).toEqual(byName(before.clusters, 'kind-dev'));
    expect(byName(after.contexts, 'kind-dev')).toEqual(byName(before.contexts, 'kind-dev'));
    expect(byName(after.users, 'kind-dev')).toEqual(byName(before.users, 'kind-dev'));
    expect(after.extensions).toEqual(before.extensions);
    expect(after.preferences).toEqual({ colors: true });
    expect(after['current-context']).toBe(NAME);
    expect(after.contexts.map((c) => c.name)).toEqual(['kind-dev', NAME]);
    // Every other line is kept as written (kubectl's list style too), in its order.
    const kept = KIND_CONFIG.split('\n').filter((line) => line !== 'current-context: kind-dev');
    const lines = merged.split('\n');
    let at = 0;
    for (const line of kept) {
      at = lines.indexOf(line, at) + 1;
      expect(at, `kept in its place: ${line}`).toBeGreaterThan(0);
    }
    expect(mergeKubeconfig(merged, entry)).toBe(merged);
  });

  it('leaves current-context alone when told, and renames only the context with --context', () => {
    const merged = parse(
      mergeKubeconfig(KIND_CONFIG, kubeconfigEntry(ACCESS, { context: 'prod' }), { setCurrent: false }),
    ) as Kubeconfig;
    expect(merged['current-context']).toBe('kind-dev');
    expect(byName(merged.contexts, 'prod')?.context).toEqual({ cluster: NAME, user: NAME });
  });

  it('updates its own entries in place, keeping the namespace a person set on the context', () => {
    const first = mergeKubeconfig(KIND_CONFIG, entry);
    const withNamespace = first.replace(
      `- context:\n    cluster: ${NAME}\n`,
      `- context:\n    cluster: ${NAME}\n    namespace: training\n`,
    );
    expect(withNamespace).not.toBe(first);
    const moved = kubeconfigEntry({ ...ACCESS, server: 'https://NEW.gr7.eu-west-1.eks.amazonaws.com' });
    const after = parse(mergeKubeconfig(withNamespace, moved)) as Kubeconfig;
    expect(after.clusters.filter((c) => c.name === NAME)).toHaveLength(1);
    expect(byName(after.clusters, NAME)?.cluster.server).toBe('https://NEW.gr7.eu-west-1.eks.amazonaws.com');
    expect(byName(after.contexts, NAME)?.context).toEqual({
      cluster: NAME,
      namespace: 'training',
      user: NAME,
    });
  });

  it('signs with the profile that wrote the entry', () => {
    const doc = parse(mergeKubeconfig('', kubeconfigEntry(ACCESS, { profile: 'ml-admin' }))) as Kubeconfig;
    expect((doc.users[0]!.user.exec as { env: unknown }).env).toEqual([
      { name: 'AWS_PROFILE', value: 'ml-admin' },
    ]);
  });

  it('grows the empty lists kubectl writes (`users: []`) into block lists', () => {
    const empty =
      'apiVersion: v1\nclusters: []\ncontexts: []\ncurrent-context: ""\nkind: Config\nusers: []\n';
    const merged = mergeKubeconfig(empty, entry);
    expect(merged).toContain(`users:\n- name: ${NAME}\n  user:\n    exec:\n`);
    expect(merged).not.toContain('[');
  });

  it('refuses a file that is not a kubeconfig, naming it', async () => {
    for (const text of ['clusters: [oops', '- just\n- a list\n', 'clusters: {}\n']) {
      const error = await rejection(() => mergeKubeconfig(text, entry, { file: '/home/u/.kube/config' }));
      expect(error.code).toBe('MLOPS_CLUSTER_E7133');
      expect(error.message).toContain('/home/u/.kube/config');
    }
  });
});

describe('kubeconfigPath', () => {
  it('is --kubeconfig, else the first file of KUBECONFIG, else ~/.kube/config', () => {
    expect(kubeconfigPath({ KUBECONFIG: '/a' }, '/cwd', 'mine.yaml')).toBe('/cwd/mine.yaml');
    expect(
      kubeconfigPath({ KUBECONFIG: `${path.delimiter}/first${path.delimiter}/second`, HOME: '/h' }, '/cwd'),
    ).toBe('/first');
    expect(kubeconfigPath({ HOME: '/h' }, '/cwd')).toBe('/h/.kube/config');
  });
});

describe('clusterAccess', () => {
  it('says the cluster stack is not applied when its outputs are missing', async () => {
    const error = await rejection(() => clusterAccess({}, 'eu-west-1'));
    expect(error.code).toBe('MLOPS_CLUSTER_E7132');
    expect(error.hint).toContain('mlops infra up');
  });
});

// ------------------------------------------------------------------------------------- the use-case

/** The InfraRunner port with outputs only: what `terraform output` says after the stacks were applied. */
class AppliedRunner implements InfraRunner {
  constructor(private readonly outputs: Record<string, StackOutputValue>) {}
  async check(): Promise<{ version: string }> {
    return { version: '1.11.4' };
  }
  async synth(request: SynthRequest): Promise<SynthResult> {
    const stack = request.stack ?? 'cluster';
    const synthesized = {
      stack,
      directory: `${request.outDir}/stacks/${stack}`,
      resources: 1,
      dataSources: 0,
      outputs: 3,
    };
    return { outDir: request.outDir, stacks: [synthesized], defaults: [] };
  }
  async init(): Promise<void> {}
  async output(stack: SynthesizedStack): Promise<Record<string, StackOutputValue>> {
    return stack.stack === 'cluster' ? this.outputs : {};
  }
  plan(): never {
    throw new Error('infra kubeconfig must not plan');
  }
  apply(): never {
    throw new Error('infra kubeconfig must not apply');
  }
  stateResources(): never {
    throw new Error('infra kubeconfig must not read state');
  }
}

const clusterOutputs = (server: string, caPem: string): Record<string, StackOutputValue> => ({
  cluster_name: { value: 'iris-cluster', sensitive: false },
  cluster_endpoint: { value: server, sensitive: false },
  cluster_certificate_authority: { value: Buffer.from(caPem).toString('base64'), sensitive: false },
});

const root = tempDir('mlops-kubeconfig-');

function options(runner: InfraRunner, extra: Partial<KubeconfigOptions>): KubeconfigOptions {
  return {
    config: makeConfig({
      region: 'eu-west-1',
      registry: 's3://iris-models',
      infra: { state: { backend: 'local' } },
    }),
    configDir: root,
    io: new MemoryIoHost(),
    runner,
    env: { HOME: path.join(root, 'home') },
    cwd: root,
    ...extra,
  };
}

const kubectlSkip = missingTool('kubectl', ['version', '--client']);

describe.skipIf(kubectlSkip)(
  `infra kubeconfig, read back by kubectl${kubectlSkip ? ` (skipped: ${kubectlSkip})` : ''}`,
  () => {
    it('merges beside the other contexts, mode 0600, and a second run changes nothing', async () => {
      const file = path.join(root, 'merge', 'config');
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, KIND_CONFIG, { mode: 0o644 });
      const runner = new AppliedRunner(clusterOutputs(ACCESS.server, 'fake ca'));

      const first = await writeKubeconfig(options(runner, { kubeconfig: file }));
      expect(first).toEqual({
        kubeconfig: file,
        context: NAME,
        cluster: 'iris-cluster',
        server: ACCESS.server,
        currentContext: true,
        changed: true,
      });
      expect(statSync(file).mode & 0o777).toBe(0o600);

      const { stdout } = await execFileP('kubectl', [
        'config',
        'view',
        '--raw',
        '-o',
        'json',
        '--kubeconfig',
        file,
      ]);
      const view = JSON.parse(stdout) as Kubeconfig;
      expect(view['current-context']).toBe(NAME);
      expect(view.contexts.map((c) => c.name).sort()).toEqual(['kind-dev', NAME]);
      expect(byName(view.users, 'kind-dev')?.user).toEqual({ token: 'not-a-real-token' });
      expect(byName(view.users, NAME)?.user.exec).toMatchObject({
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: 'mlops',
        args: ['eks-token', '--cluster', 'iris-cluster', '--region', 'eu-west-1'],
        interactiveMode: 'Never',
        provideClusterInfo: false,
      });

      const text = readFileSync(file, 'utf8');
      const second = await writeKubeconfig(options(runner, { kubeconfig: file }));
      expect(second.changed).toBe(false);
      expect(readFileSync(file, 'utf8')).toBe(text);
    });

    it('writes ~/.kube/config from HOME when neither --kubeconfig nor KUBECONFIG is given', async () => {
      const home = path.join(root, 'fresh-home');
      const runner = new AppliedRunner(clusterOutputs(ACCESS.server, 'fake ca'));
      const result = await writeKubeconfig(options(runner, { env: { HOME: home } }));
      expect(result.kubeconfig).toBe(path.join(home, '.kube', 'config'));
      expect(statSync(result.kubeconfig).mode & 0o777).toBe(0o600);
    });

    describe('end to end: kubectl runs `mlops eks-token` and sends its token', () => {
      const seen: string[] = [];
      let server: ReturnType<typeof createServer> | undefined;
      let file = '';

      beforeAll(async () => {
        const tls = await generateTls();
        server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
          seen.push(req.headers.authorization ?? '');
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ major: '1', minor: '31', gitVersion: 'v1.31.0' }));
        });
        await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
        const { port } = server.address() as AddressInfo;
        file = path.join(root, 'e2e', 'config');
        await writeKubeconfig(
          options(new AppliedRunner(clusterOutputs(`https://127.0.0.1:${port}`, tls.caPem)), {
            kubeconfig: file,
          }),
        );
      });

      afterAll(() => {
        server?.close();
      });

      it('over TLS checked against the CA from the outputs, with a token EKS would accept', async () => {
        // `mlops` on PATH, as the kubeconfig expects it.
        const bin = path.join(root, 'e2e', 'bin');
        mkdirSync(bin, { recursive: true });
        symlinkSync(binPath, path.join(bin, 'mlops'));
        const home = path.join(root, 'e2e', 'home');
        mkdirSync(home, { recursive: true });
        const env = Object.fromEntries(
          Object.entries({
            ...NO_AWS_CREDENTIALS,
            PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
            HOME: home,
            AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
            AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
          }).filter((e): e is [string, string] => e[1] !== undefined),
        );
        const { stdout } = await execFileP('kubectl', ['--kubeconfig', file, 'get', '--raw', '/version'], {
          env,
          timeout: 60_000,
        });
        expect(JSON.parse(stdout)).toMatchObject({ gitVersion: 'v1.31.0' });
        expect(seen.length).toBeGreaterThan(0);
        const bearer = seen.at(-1)!;
        expect(bearer).toMatch(/^Bearer k8s-aws-v1\./);
        const verified = verifyEksToken(bearer.slice('Bearer '.length), {
          region: 'eu-west-1',
          now: new Date(),
        });
        expect(verified.url.host).toBe('sts.eu-west-1.amazonaws.com');
      });
    });
  },
);

describe('mlops infra kubeconfig (the command)', () => {
  it('needs the stacks’ outputs first: without terraform it says so, and leaves the kubeconfig alone', async () => {
    const project = path.join(root, 'project');
    mkdirSync(project, { recursive: true });
    writeFileSync(
      path.join(project, 'mlops.config.json'),
      JSON.stringify({ name: 'iris', registry: 's3://iris-models', infra: { state: { backend: 'local' } } }),
    );
    const file = path.join(project, 'kubeconfig');
    writeFileSync(file, KIND_CONFIG);
    const res = await runMlops(['infra', 'kubeconfig', '--kubeconfig', 'kubeconfig', '--json'], {
      cwd: project,
      env: { PATH: path.join(root, 'no-tools') },
    });
    expect(res.code).toBe(1);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('MLOPS_INFRA_E7001');
    expect(readFileSync(file, 'utf8')).toBe(KIND_CONFIG);
  });
});
