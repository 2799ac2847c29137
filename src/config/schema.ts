import * as z from 'zod';

/**
 * The shape of `mlops.config.json`. One source for validation, defaults, types and the JSON Schema that
 * editors use through `$schema` (written to schema/mlops.config.schema.json at build time).
 */

const modelName = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
    'a DNS-1123 label: lowercase letters, digits and "-", 1-63 chars',
  )
  .describe('Model name: the registry folder, image and Kubernetes names derive from it.');

export const registryUri = z
  .string()
  .regex(
    /^(file:\/\/.+|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?)$/,
    'file://PATH or s3://BUCKET[/PREFIX]',
  )
  .describe('Model registry: file://PATH (relative to the config file) or s3://BUCKET/PREFIX.');

/** `"s3://…"`, or `{ "uri": "s3://…", "endpoint": "http://minio:9000" }` for S3-compatible stores. */
const registryField = z.union([
  registryUri,
  z.strictObject({
    uri: registryUri,
    endpoint: z
      .string()
      .regex(/^https?:\/\/[^\s/]+/, 'an http(s) URL such as http://127.0.0.1:9000')
      .optional()
      .describe('S3-compatible endpoint (MinIO, Ceph, R2); path-style addressing is used with it.'),
  }),
]);

export const awsRegion = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'an AWS region such as us-east-1')
  .describe('AWS region.');

export const dataSchema = z
  .strictObject({
    source: z
      .string()
      .min(1)
      .describe('Training data: a CSV path (relative to the config file), an s3:// URI, or "synthetic".'),
    label: z.string().min(1).optional().describe('Label column; default: the last column.'),
  })
  .describe('Training data.');

export const trainSchema = z
  .strictObject({
    task: z.enum(['classification', 'regression']).default('classification'),
    epochs: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(300)
      .describe('Maximum epochs; early stopping may end sooner.'),
    batchSize: z.number().int().min(1).max(65_536).default(32),
    learningRate: z.number().gt(0).max(10).default(0.02),
    hiddenUnits: z.array(z.number().int().min(1).max(4096)).max(8).default([64]),
    dropout: z.number().min(0).lt(1).default(0),
    l2: z.number().min(0).max(1).default(0.003).describe('L2 weight regularization.'),
    validationSplit: z.number().gt(0).lt(1).default(0.2),
    patience: z
      .number()
      .int()
      .min(0)
      .default(30)
      .describe('Epochs without validation improvement before stopping.'),
    seed: z.number().int().min(0).default(42),
    backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  })
  .describe('Training hyper-parameters (also settable with --param key=value).');

export const serveSchema = z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(8080),
    alias: z.string().min(1).default('production'),
    pollIntervalSeconds: z.number().min(0.1).default(10),
    maxBatchSize: z.number().int().min(1).max(65_536).default(64),
    maxBatchWaitMs: z.number().min(0).max(1000).default(2),
    maxBodyBytes: z.number().int().min(1024).default(1_048_576),
    workers: z
      .union([z.number().int().min(1).max(1024), z.literal('auto')])
      .default(1)
      .describe(
        'Server processes sharing the port; "auto": the container\'s CPU limit (cgroup cpu.max), at least 1.',
      ),
    driftWindow: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(5000)
      .describe(
        'Recent rows each server process compares with the training baseline (ml_feature_drift); 0 turns drift tracking off.',
      ),
  })
  .describe('The serving app (mlops serve and the serving image).');

const imageSchema = z.strictObject({
  repository: z.string().min(1).describe('e.g. 123.dkr.ecr.us-east-1.amazonaws.com/iris-serving'),
  tag: z
    .string()
    .regex(
      /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/,
      'an image tag: letters, digits, "_", "." and "-", 1-128 chars',
    )
    .optional()
    .describe(
      "Image tag to run; default: the project's git commit (40 hex digits), which mlops build pushes.",
    ),
  dockerfile: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Build this image from this Dockerfile (a path in the project, e.g. "training/Dockerfile"; the context is the project root) with buildah or docker, instead of the files mlops traces: for what images.base lacks, such as system packages, or tfjs-node in the training image.',
    ),
});

export const imagesSchema = z
  .strictObject({
    training: imageSchema.optional(),
    serving: imageSchema.optional(),
    base: z.string().min(1).default('node:22-bookworm-slim').describe('Base image of both images.'),
    builder: z.enum(['auto', 'docker', 'buildah', 'oci']).default('auto'),
    createRepositories: z
      .boolean()
      .default(false)
      .describe(
        'Create missing ECR repositories before a push (scan on push on); other registries are not touched.',
      ),
  })
  .describe('Container images.');

/** A Kubernetes quantity: `500m`, `2`, `1Gi`, `512Mi`. */
const quantity = z
  .string()
  .regex(
    /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/,
    'a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi',
  );

const computeResources = (cpu: string, memory: string) =>
  z.strictObject({ cpu: quantity.default(cpu), memory: quantity.default(memory) }).default({ cpu, memory });

export const trainingJobSchema = z
  .strictObject({
    resources: z
      .strictObject({
        requests: computeResources('1', '2Gi').describe('What the scheduler reserves for the training pod.'),
        limits: computeResources('2', '4Gi').describe(
          'Beyond the CPU limit it is throttled, beyond memory killed.',
        ),
      })
      .default({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } })
      .describe('CPU and memory of the training container.'),
    backoffLimit: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(2)
      .describe('Retries (new pods) after a failed training pod before the Job fails.'),
    activeDeadlineSeconds: z
      .number()
      .int()
      .min(1)
      .default(3600)
      .describe('The Job fails (DeadlineExceeded) when it runs longer than this, retries included.'),
    ttlSecondsAfterFinished: z
      .number()
      .int()
      .min(0)
      .default(604_800)
      .describe('A finished Job and its pods (and logs) are deleted after this; default one week.'),
  })
  .describe('The training Job (mlops train without --local).');

const iamRoleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN such as arn:aws:iam::123456789012:role/x');

export const clusterSchema = z
  .strictObject({
    context: z.string().min(1).optional().describe('kubeconfig context; default: the current one.'),
    trainingNamespace: z.string().min(1).default('training'),
    servingNamespace: z.string().min(1).default('serving'),
    trainingRoleArn: iamRoleArn
      .optional()
      .describe(
        "IAM role of the training service account (IRSA annotation): the cluster stack's training_role_arn output.",
      ),
    servingRoleArn: iamRoleArn
      .optional()
      .describe(
        "IAM role of the serving service account (IRSA annotation): the cluster stack's serving_role_arn output.",
      ),
    replicas: z.number().int().min(1).max(1000).default(3),
    training: trainingJobSchema.default(trainingJobSchema.parse({})),
  })
  .describe('The Kubernetes cluster.');

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a DNS-1123 label such as istio-ingress');

export const deploySchema = z
  .strictObject({
    expose: z
      .enum(['none', 'istio', 'loadbalancer'])
      .default('none')
      .describe(
        'How traffic from outside the cluster reaches the model: "istio" (a Gateway on the Istio ingress gateway and a VirtualService), "loadbalancer" (Service type LoadBalancer: an NLB of the AWS Load Balancer Controller) or "none" (ClusterIP only).',
      ),
    hosts: z
      .array(
        z
          .string()
          .regex(
            /^(\*|(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$/,
            'a host name such as iris.example.com, *.example.com or *',
          ),
      )
      .min(1)
      .default(['*'])
      .describe('Host names the Istio Gateway and VirtualService answer for (expose "istio").'),
    tls: z
      .strictObject({
        secretName: z
          .string()
          .min(1)
          .optional()
          .describe(
            "A kubernetes.io/tls Secret in the ingress gateway's namespace: when set, the Gateway also terminates HTTPS on 443 with it.",
          ),
      })
      .default({})
      .describe('TLS on the Istio Gateway (expose "istio").'),
    resources: z
      .strictObject({
        requests: computeResources('250m', '512Mi').describe(
          'What the scheduler reserves for a serving pod.',
        ),
        limits: computeResources('1', '1Gi').describe(
          'Beyond the CPU limit it is throttled, beyond memory killed.',
        ),
      })
      .default({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } })
      .describe('CPU and memory of the serving container.'),
    autoscaling: z
      .strictObject({
        minReplicas: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .optional()
          .describe('Fewest serving pods the HorizontalPodAutoscaler keeps; default: cluster.replicas.'),
        maxReplicas: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .optional()
          .describe(
            'Most serving pods the HorizontalPodAutoscaler runs; default: 10, or minReplicas when higher.',
          ),
        targetCPUUtilization: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(70)
          .describe('Average CPU use, in % of the CPU request, that the autoscaler aims at.'),
      })
      .refine(
        (a) => a.minReplicas === undefined || a.maxReplicas === undefined || a.minReplicas <= a.maxReplicas,
        {
          message: 'minReplicas must not exceed maxReplicas',
        },
      )
      .default({ targetCPUUtilization: 70 })
      .describe('The HorizontalPodAutoscaler (autoscaling/v2) of the serving Deployment.'),
    ingressNamespaces: z
      .array(dnsLabel)
      .default(['istio-ingress', 'istio-system'])
      .describe('Namespaces of the Istio ingress gateway: the NetworkPolicy lets its pods reach the model.'),
    prometheusNamespace: dnsLabel
      .default('monitoring')
      .describe("Prometheus's namespace: the NetworkPolicy lets it scrape /metrics."),
    secretEnv: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'the name of a Secret in the serving namespace')
      .optional()
      .describe(
        'A Secret in the serving namespace whose keys become environment variables of the serving containers: outside EKS (no IRSA), e.g. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for an S3-compatible registry such as MinIO. Only its name is in the manifests.',
      ),
    drainSeconds: z
      .number()
      .int()
      .min(0)
      .max(300)
      .default(10)
      .describe(
        'A stopping serving pod keeps serving this long (preStop sleep) so that Services, Istio and the load balancer stop routing to it first.',
      ),
    progressDeadlineSeconds: z
      .number()
      .int()
      .min(10)
      .default(600)
      .describe('A rollout that makes no progress this long fails (ProgressDeadlineExceeded).'),
  })
  .describe('The serving stack on the cluster (mlops deploy).');

export const infraSchema = z
  .strictObject({
    clusterName: z.string().min(1).optional().describe('EKS cluster name; default: "<name>-cluster".'),
    vpcCidr: z.string().default('10.0.0.0/16'),
    azCount: z.number().int().min(2).max(6).default(2),
    natPerAz: z.boolean().default(false).describe('One NAT gateway per AZ (production) instead of one.'),
    kubernetesVersion: z
      .string()
      .regex(/^1\.\d+$/)
      .default('1.31'),
    nodeInstanceTypes: z.array(z.string().min(1)).min(1).default(['m6i.large']),
    nodeMin: z.number().int().min(0).default(2),
    nodeMax: z.number().int().min(1).default(6),
    nodeDesired: z.number().int().min(0).default(3),
    endpointPublicAccess: z.boolean().default(true),
    endpointPrivateAccess: z.boolean().default(true),
    publicAccessCidrs: z.array(z.string()).default(['0.0.0.0/0']),
    bucketName: z.string().optional().describe('Registry bucket; default from registry when it is s3://.'),
    addons: z
      .array(
        z.enum([
          'kube-prometheus-stack',
          'istio',
          'metrics-server',
          'aws-load-balancer-controller',
          'cluster-autoscaler',
        ]),
      )
      .default([
        'kube-prometheus-stack',
        'istio',
        'metrics-server',
        'aws-load-balancer-controller',
        'cluster-autoscaler',
      ]),
    state: z
      .strictObject({
        backend: z.enum(['s3', 'local']).default('s3'),
        bucket: z.string().optional(),
        key: z.string().optional(),
        region: z.string().optional(),
      })
      .default({ backend: 's3' }),
  })
  .describe('Infrastructure stacks (mlops infra).');

export const retentionSchema = z
  .strictObject({
    days: z.number().int().min(1).default(90),
    keepLastAliasChanges: z
      .number()
      .int()
      .min(0)
      .default(10)
      .describe('Versions an alias pointed to in the last N changes are kept.'),
  })
  .describe('Registry retention (mlops models gc).');

const sections = {
  name: modelName,
  registry: registryField.default('file://.mlops/registry'),
  region: awsRegion.default('us-east-1'),
  data: dataSchema.default({ source: 'synthetic' }),
  train: trainSchema.default(trainSchema.parse({})),
  serve: serveSchema.default(serveSchema.parse({})),
  images: imagesSchema.default(imagesSchema.parse({})),
  cluster: clusterSchema.default(clusterSchema.parse({})),
  deploy: deploySchema.default(deploySchema.parse({})),
  infra: infraSchema.default(infraSchema.parse({})),
  retention: retentionSchema.default(retentionSchema.parse({})),
};

/** An --env section overrides any top-level field except `name` and `environments`. */
export const environmentSchema = z
  .strictObject({
    registry: registryField.optional(),
    region: awsRegion.optional(),
    data: dataSchema.partial().optional(),
    train: trainSchema.partial().optional(),
    serve: serveSchema.partial().optional(),
    images: imagesSchema.partial().optional(),
    cluster: clusterSchema.partial().optional(),
    deploy: deploySchema.partial().optional(),
    infra: infraSchema.partial().optional(),
    retention: retentionSchema.partial().optional(),
  })
  .describe('Overrides for one environment, chosen with --env NAME.');

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    ...sections,
    environments: z.record(z.string(), environmentSchema).default({}),
  })
  .describe('mlops project configuration (mlops.config.json).')
  // Both registry forms become `registry` (the URI) and `registryEndpoint`, so code reads one shape.
  .transform(({ registry, ...rest }) => ({
    ...rest,
    registry: typeof registry === 'string' ? registry : registry.uri,
    registryEndpoint: typeof registry === 'string' ? undefined : registry.endpoint,
  }));

export type MlopsConfigInput = z.input<typeof configSchema>;
export type MlopsConfig = Omit<z.output<typeof configSchema>, '$schema' | 'environments'>;
export type TrainParams = z.output<typeof trainSchema>;
export type ServeConfig = z.output<typeof serveSchema>;
export type InfraConfig = z.output<typeof infraSchema>;
export type ClusterConfig = z.output<typeof clusterSchema>;
export type DeployConfig = z.output<typeof deploySchema>;
export type ImagesConfig = z.output<typeof imagesSchema>;
export type TrainingJobConfig = z.output<typeof trainingJobSchema>;
