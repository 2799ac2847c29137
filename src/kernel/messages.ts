/**
 * Every message and error code mlops emits, with what it means. Tests assert codes, not prose;
 * CI scripts may match on them. Codes are never renamed or reused.
 */
export const MESSAGES = {
  // usage and configuration (exit 2)
  MLOPS_USAGE_E1001: 'a required answer was not given and nothing may prompt (headless)',
  MLOPS_USAGE_E1002: 'an argument or flag has an invalid value',
  MLOPS_USAGE_E1003:
    '(retired: every command has landed) the command belonged to a part of mlops not landed yet',
  MLOPS_USAGE_E1004: 'a file would be overwritten without --force',
  MLOPS_USAGE_E1005: 'a directory was expected and a file was given (init DIR, --config)',
  MLOPS_USAGE_E1010: 'a version or alias name contains a path separator or is "." or ".." (path traversal)',
  MLOPS_USAGE_E1020: 'a --param names no training parameter (the message suggests the closest one)',
  MLOPS_CONFIG_E2001: 'the configuration file is missing',
  MLOPS_CONFIG_E2002: 'the configuration file is not valid JSON',
  MLOPS_CONFIG_E2003: 'the configuration does not match the schema',
  MLOPS_CONFIG_E2004: 'the --env name is not a section of the configuration',
  MLOPS_CONFIG_E2005: 'an MLOPS_* environment variable has an invalid value',
  // data (exit 1)
  MLOPS_DATA_E3001: 'the dataset file cannot be read',
  MLOPS_DATA_E3002: 'the dataset is empty',
  MLOPS_DATA_E3003: 'the label column is not in the header',
  MLOPS_DATA_E3004: 'a feature value is not numeric',
  MLOPS_DATA_E3005: 'a row has a different number of fields than the header',
  MLOPS_DATA_E3006: 'the dataset cannot be used for this task (too few rows or classes, bad label)',
  MLOPS_DATA_E3007: 'the data source kind is not supported here',
  // registry (exit 1)
  MLOPS_REGISTRY_E4001: 'the model version does not exist',
  MLOPS_REGISTRY_E4002: 'an artifact does not match the checksum in its manifest',
  MLOPS_REGISTRY_E4003: 'the alias does not exist',
  MLOPS_REGISTRY_E4004: 'there is no earlier version to roll back to',
  MLOPS_REGISTRY_E4005: 'the registry URI is not supported',
  MLOPS_REGISTRY_E4006: 'the version name is not of the form v<major>.<minor>',
  MLOPS_REGISTRY_E4007: 'an object that must be created only once already exists',
  MLOPS_REGISTRY_E4009: 'a registry object is corrupt',
  MLOPS_REGISTRY_E4010: 'the registry store cannot be reached or read',
  MLOPS_REGISTRY_E4011: 'the S3 bucket of the registry does not exist',
  MLOPS_REGISTRY_E4012:
    'access to the S3 registry was denied (403: a policy, or unknown or expired credentials)',
  MLOPS_REGISTRY_E4013: 'no AWS credentials were found for an s3:// registry or data source',
  MLOPS_REGISTRY_E4014: 'the destination registry already has that version with different content',
  MLOPS_REGISTRY_E4015:
    'the version is claimed by another writer in the destination registry but has no manifest',
  MLOPS_REGISTRY_E4016: 'a version manifest is damaged (not JSON, or not the shape of a manifest)',
  MLOPS_REGISTRY_E4017:
    'an alias object is damaged; `mlops promote VERSION --alias NAME --force` rewrites it (recorded in history)',
  MLOPS_REGISTRY_E4018: 'a registry operation did not finish within its time bound (stalled disk or mount)',
  // training and models (exit 1)
  MLOPS_TRAIN_E5001: 'training failed',
  MLOPS_MODEL_E5002: 'the saved model cannot be loaded',
  // training on the cluster (exit 2 for usage, 1 when the Job fails)
  MLOPS_TRAIN_E5101: 'no training image: images.training.repository is not set and --image is not given',
  MLOPS_TRAIN_E5102: 'no training image tag: not a git work tree and images.training.tag is not set',
  MLOPS_TRAIN_E5103: 'the --data file is outside the project, so it is not in the training image',
  MLOPS_TRAIN_E5104: 'train flags that cannot go together (--local, --attach, --cancel, --list, --since)',
  MLOPS_TRAIN_E5105: '--since is not an RFC 3339 time (e.g. 2026-01-31T12:00:00.123456789Z)',
  MLOPS_TRAIN_E5106: 'the training Job does not exist (attach, cancel); the message lists recent ones',
  MLOPS_TRAIN_E5107: 'the training image cannot be pulled (ErrImagePull, ImagePullBackOff)',
  MLOPS_TRAIN_E5108:
    'the training container keeps crashing (CrashLoopBackOff); the message has its last lines',
  MLOPS_TRAIN_E5109: 'the training Job ran past its activeDeadlineSeconds (DeadlineExceeded)',
  MLOPS_TRAIN_E5110:
    'the training Job failed after its retries (BackoffLimitExceeded); with the last log lines',
  MLOPS_TRAIN_E5111: 'the training pod cannot be scheduled (the scheduler says why)',
  MLOPS_TRAIN_E5112: 'the Job cannot create its pod: the service account is missing or admission forbids it',
  MLOPS_TRAIN_E5113: 'the training Job was deleted while it was followed',
  MLOPS_TRAIN_E5114: 'the training Job failed (another reason: the message carries the condition)',
  // deploy (exit 1 or 2)
  MLOPS_DEPLOY_E5201: 'no serving image: images.serving.repository is not set and --image is not given',
  MLOPS_DEPLOY_E5202: 'no serving image tag: not a git work tree and images.serving.tag is not set',
  MLOPS_DEPLOY_E5203: 'deploy flags that cannot go together (--alias/--version, canary modes, --output)',
  MLOPS_DEPLOY_E5204: 'a deploy flag value is invalid (--weight not 1-99, --timeout, --output not yaml|json)',
  MLOPS_DEPLOY_E5205: 'the --canary version is not in the registry',
  MLOPS_DEPLOY_E5206: "a canary needs Istio, and the cluster does not serve Istio's networking.istio.io CRDs",
  MLOPS_DEPLOY_E5207: 'the serving image cannot be pulled (ErrImagePull, ImagePullBackOff)',
  MLOPS_DEPLOY_E5208:
    'the serving container keeps crashing (CrashLoopBackOff); the message has its last lines',
  MLOPS_DEPLOY_E5209: 'the serving pods never became ready before the progress deadline (last /ready answer)',
  MLOPS_DEPLOY_E5210:
    'the rollout made no progress within progressDeadlineSeconds (ProgressDeadlineExceeded)',
  MLOPS_DEPLOY_E5211: 'the rollout did not finish within --timeout; it goes on in the cluster',
  MLOPS_DEPLOY_E5212: 'the Deployment was deleted while its rollout was followed',
  MLOPS_DEPLOY_E5213: '--canary-promote or --canary-abort found no canary running',
  MLOPS_DEPLOY_E5214: 'the --version to pin is not in the registry',
  MLOPS_DEPLOY_E5215: '~/.docker/config.json is not valid JSON, so pull credentials cannot be read',
  // environment (exit 1)
  MLOPS_ENV_E6001: 'a required tool is missing',
  // infrastructure (exit 1)
  MLOPS_INFRA_E7001: 'terraform is missing or of an unsupported version',
  MLOPS_INFRA_E7002: 'a terraform command failed',
  MLOPS_INFRA_E7003: 'the stack name is not one of network, cluster, addons, registry',
  MLOPS_INFRA_E7004: 'applying or destroying headless needs --auto-approve',
  MLOPS_INFRA_E7005: 'the infrastructure configuration is inconsistent',
  MLOPS_INFRA_E7006:
    'settings infra plan/up/down/output need are missing (the error lists every missing or invalid one)',
  MLOPS_INFRA_E7007: 'the state bucket exists but belongs to another account or denies these credentials',
  MLOPS_INFRA_E7008: 'an S3 call of infra bootstrap failed (credentials, permissions, network)',
  // cluster (exit 1)
  MLOPS_CLUSTER_E7101:
    'no kubeconfig was found (KUBECONFIG, ~/.kube/config); the message lists where mlops looked',
  MLOPS_CLUSTER_E7102: 'a kubeconfig file cannot be read or is not a valid kubeconfig',
  MLOPS_CLUSTER_E7103:
    'the kubeconfig context (--context, cluster.context) does not exist; the closest is suggested',
  MLOPS_CLUSTER_E7104: 'no kubeconfig context was chosen and the kubeconfig has no current-context',
  MLOPS_CLUSTER_E7105:
    'the Kubernetes API server cannot be reached (refused, DNS, timeout); the message names it',
  MLOPS_CLUSTER_E7106:
    'TLS with the API server failed (unknown CA, self-signed, hostname mismatch, bad client certificate)',
  MLOPS_CLUSTER_E7107:
    'the API server rejected the credentials (401: wrong or expired token, exec plugin identity)',
  MLOPS_CLUSTER_E7108:
    'the API server forbade a request (403); the message names the verb, resource and namespace',
  MLOPS_CLUSTER_E7109:
    "the kubeconfig user's credential plugin (exec) failed, or its auth method is not supported",
  MLOPS_CLUSTER_E7110: 'server-side apply conflicts with fields another field manager owns (409)',
  MLOPS_CLUSTER_E7111: 'the API server refused an object as invalid (422, or 400 for unknown fields)',
  MLOPS_CLUSTER_E7112: 'the API server does not serve that apiVersion and kind (a CRD or add-on is missing)',
  MLOPS_CLUSTER_E7113: 'the API server answered an unexpected error (5xx, or a status mlops does not handle)',
  MLOPS_CLUSTER_E7130: 'eks-token has no region (no --region, AWS_REGION, AWS_DEFAULT_REGION or config)',
  MLOPS_CLUSTER_E7131: 'no AWS credentials were found to sign an EKS token (the standard AWS chain is empty)',
  MLOPS_CLUSTER_E7132: 'infra kubeconfig found no cluster outputs: the cluster stack is not applied yet',
  MLOPS_CLUSTER_E7133: 'the kubeconfig to merge into is not YAML or not a kubeconfig; it was left untouched',
  // images: registry
  MLOPS_IMAGE_E7401: 'an image reference is malformed (host, repository, tag or digest)',
  MLOPS_IMAGE_E7402: 'the image registry cannot be reached (connection refused, DNS, TLS, timeout)',
  MLOPS_IMAGE_E7403: 'the image registry rejected the credentials mlops found for it (401)',
  MLOPS_IMAGE_E7404: 'the image registry denied the operation to these credentials (403)',
  MLOPS_IMAGE_E7405: 'the image registry needs credentials and none were found for its host',
  MLOPS_IMAGE_E7406: 'the image manifest or tag does not exist in the registry (404)',
  MLOPS_IMAGE_E7407: 'a blob (layer or config) does not exist in the registry (404)',
  MLOPS_IMAGE_E7408: 'the content the registry returned or stored does not match its digest',
  MLOPS_IMAGE_E7409: 'the registry rejected an upload or a manifest (4xx)',
  MLOPS_IMAGE_E7410: 'the registry failed (5xx after retries) or answered something unexpected',
  MLOPS_IMAGE_E7411: 'the docker config.json cannot be read as JSON, so registry credentials cannot be found',
  MLOPS_IMAGE_E7412: 'the docker credential helper named in config.json is not installed',
  MLOPS_IMAGE_E7413: 'the docker credential helper failed or answered something that is not credentials',
  MLOPS_IMAGE_E7414: 'ECR GetAuthorizationToken failed (AWS credentials, permissions, region)',
  MLOPS_IMAGE_E7415: 'creating the ECR repository failed (permissions, name, region)',
  // images: build
  MLOPS_IMAGE_E7430: 'the base image (images.base) does not exist in its registry',
  MLOPS_IMAGE_E7431: 'the base image manifest has no config (not an OCI or Docker v2 schema 2 image)',
  MLOPS_IMAGE_E7432: 'a --platform value is not OS/ARCH[/VARIANT]',
  MLOPS_IMAGE_E7433: 'the base image has no image for a requested platform (nothing was pushed)',
  MLOPS_IMAGE_E7434: 'no tag for the image: not a git work tree with a commit and no --tag',
  MLOPS_IMAGE_E7435: 'images.<role>.repository is not set, so build has nowhere to push',
  MLOPS_IMAGE_E7436: 'the project lacks a file the image needs (entry point, or mlops in node_modules)',
  MLOPS_IMAGE_E7437: 'the image builder tool (buildah, docker) is not installed',
  MLOPS_IMAGE_E7438: 'the image builder tool (buildah, docker) failed',
  MLOPS_IMAGE_E7439: 'a --tag value is not a valid image tag',
  MLOPS_IMAGE_E7440: 'the Dockerfile named by images.<image>.dockerfile does not exist in the project',
  MLOPS_IMAGE_E7441:
    'the built-in oci builder was asked to build a Dockerfile (images.<image>.dockerfile), which it does not run',
  // interruption and internal
  MLOPS_INTERRUPTED: 'the operation was interrupted (exit 130)',
  MLOPS_INTERNAL_E9000: 'an unexpected error; a bug in mlops',
  // serving
  MLOPS_SERVE_E8001: 'the prediction server cannot be reached (nothing listening, DNS, timeout)',
  MLOPS_SERVE_E8002: 'the prediction server rejected the request (4xx): the rows or the route are wrong',
  MLOPS_SERVE_E8003: 'the prediction server failed or is not ready (5xx, 503)',
  MLOPS_SERVE_E8004: 'the prediction server answered something that is not a prediction',
  MLOPS_SERVE_E8005: 'the rows to predict (--data, --file) cannot be read',
  MLOPS_SERVE_E8006: 'the server cannot listen on the host and port',
  MLOPS_SERVE_E8007: 'the rows file for predict lacks a column the model needs (the message names it)',
  MLOPS_SERVE_E8008: 'the predict --out file cannot be written (unknown type, or the path is not writable)',
  // reports
  MLOPS_REPORT_E5701: 'the models report --out file cannot be written (the message names the path and why)',
  MLOPS_REPORT_E5702: "a version's metrics.json is not a JSON object, so models report cannot draw it",
  MLOPS_REPORT_E5703: 'models report found no version of the model to report on',
  MLOPS_REPORT_E5704: 'models report --compare names the same version as the one reported on',
  // drift
  MLOPS_DRIFT_E5601: 'the version has no training baseline (trained before mlops stored baselines)',
  MLOPS_DRIFT_E5602: 'the drift --data CSV lacks a feature column the model needs (the message names it)',
  MLOPS_DRIFT_E5603:
    'the drift --data CSV cannot be read, has no rows, or holds a value that is not a number',
} as const;

export type MessageCode = keyof typeof MESSAGES;
