/**
 * Every message and error code mlops emits, with what it means. Tests assert codes, not prose;
 * CI scripts may match on them. Codes are never renamed or reused.
 */
export const MESSAGES = {
  // usage and configuration (exit 2)
  MLOPS_USAGE_E1001: 'a required answer was not given and nothing may prompt (headless)',
  MLOPS_USAGE_E1002: 'an argument or flag has an invalid value',
  MLOPS_USAGE_E1003: 'the command belongs to a part of mlops that has not landed yet',
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
} as const;

export type MessageCode = keyof typeof MESSAGES;
