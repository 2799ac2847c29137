import {
  EcrLifecyclePolicy,
  EcrRepository,
  S3Bucket,
  S3BucketLifecycleConfiguration,
  S3BucketOwnershipControls,
  S3BucketPolicy,
  S3BucketPublicAccessBlock,
  S3BucketServerSideEncryptionConfigurationA,
  S3BucketVersioningA,
  TerraformOutput,
} from './cdktf-modules.js';
import type { Construct } from 'constructs';
import { MlopsStack } from './base-stack.js';
import { tlsOnlyBucketPolicy } from './iam-policies.js';
import type { InfraSettings } from './settings.js';

/** Untagged layers are build leftovers; tagged images beyond this many are long out of service. */
const UNTAGGED_IMAGE_DAYS = 14;
const KEEP_IMAGES = 200;

const imageLifecyclePolicy = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: `expire untagged images after ${UNTAGGED_IMAGE_DAYS} days`,
      selection: {
        tagStatus: 'untagged',
        countType: 'sinceImagePushed',
        countUnit: 'days',
        countNumber: UNTAGGED_IMAGE_DAYS,
      },
      action: { type: 'expire' },
    },
    {
      rulePriority: 2,
      description: `keep the newest ${KEEP_IMAGES} images`,
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: KEEP_IMAGES },
      action: { type: 'expire' },
    },
  ],
});

/**
 * The model registry bucket and the image repositories. The bucket is private, encrypted, TLS-only
 * and versioned; lifecycle rules clean up only what nobody can address any more (noncurrent object
 * versions, abandoned multipart uploads). Live model versions are retired by `mlops models gc`, which
 * knows which ones an alias protects: a lifecycle expiry would delete the production model.
 */
export class RegistryStack extends MlopsStack {
  readonly bucket: S3Bucket;
  readonly repositories: { readonly training: EcrRepository; readonly serving: EcrRepository };

  constructor(scope: Construct, settings: InfraSettings) {
    super(scope, 'registry', settings);
    const { bucket: target, retentionDays, partition } = settings;

    // No force_destroy: `infra down` must fail rather than delete models.
    this.bucket = new S3Bucket(this, 'bucket', { bucket: target.name, forceDestroy: false });
    const publicAccess = new S3BucketPublicAccessBlock(this, 'bucket-public-access', {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    // ACLs off: access is decided by IAM and the bucket policy only.
    new S3BucketOwnershipControls(this, 'bucket-ownership', {
      bucket: this.bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'bucket-encryption', {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    const versioning = new S3BucketVersioningA(this, 'bucket-versioning', {
      bucket: this.bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketLifecycleConfiguration(this, 'bucket-lifecycle', {
      bucket: this.bucket.id,
      rule: [
        {
          id: 'expire-noncurrent-versions-and-stale-uploads',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: retentionDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: retentionDays }],
        },
      ],
      // Lifecycle rules on a bucket whose versioning is still being enabled fail intermittently.
      dependsOn: [versioning],
    });
    new S3BucketPolicy(this, 'bucket-policy', {
      bucket: this.bucket.id,
      policy: tlsOnlyBucketPolicy(partition, target.name),
      // Putting a policy while the public-access block is being created races with it.
      dependsOn: [publicAccess],
    });

    const repository = (id: string, name: string): EcrRepository => {
      const repo = new EcrRepository(this, id, {
        name,
        // Mutable: builds push a version tag that a rebuild of the same version moves; images are
        // pinned by git-SHA tag and digest where it matters (deploy).
        imageTagMutability: 'MUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: [{ encryptionType: 'AES256' }],
        forceDelete: false,
      });
      new EcrLifecyclePolicy(this, `${id}-lifecycle`, {
        repository: repo.name,
        policy: imageLifecyclePolicy,
      });
      return repo;
    };
    this.repositories = {
      training: repository('training-repository', settings.repositories.training),
      serving: repository('serving-repository', settings.repositories.serving),
    };

    new TerraformOutput(this, 'bucket_name', { value: this.bucket.bucket });
    new TerraformOutput(this, 'bucket_arn', { value: this.bucket.arn });
    new TerraformOutput(this, 'registry_uri', {
      value: `s3://${target.name}${target.root ? `/${target.root}` : ''}`,
    });
    new TerraformOutput(this, 'training_repository_url', { value: this.repositories.training.repositoryUrl });
    new TerraformOutput(this, 'serving_repository_url', { value: this.repositories.serving.repositoryUrl });
  }
}
