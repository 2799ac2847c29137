/**
 * The port between `mlops infra bootstrap` and the S3 API (providers/aws/infra/state-bucket.ts): what
 * the Terraform state bucket looks like, and making it look as it should. Core decides what to ask,
 * what to report and what to write to the config.
 */

/** The hardening bootstrap gives the bucket, in the order it is applied (public access first). */
export type StateBucketSetting = 'public-access-block' | 'encryption' | 'versioning' | 'tls-only-policy';

export interface StateBucketSettingState {
  readonly setting: StateBucketSetting;
  /**
   * `ok`: as bootstrap wants it; `change`: bootstrap sets it; `unsupported`: the S3-compatible server
   * does not implement the operation (never on AWS, where that is an error).
   */
  readonly status: 'ok' | 'change' | 'unsupported';
  /** What it is now, in words: `Enabled`, `AES256`, `none` … */
  readonly current: string;
  /** What bootstrap makes it. */
  readonly wanted: string;
  /** The S3 operation the server lacks (`unsupported` only), e.g. `PutBucketVersioning`. */
  readonly operation?: string;
}

export interface StateBucketTarget {
  readonly bucket: string;
  readonly region: string;
}

export interface StateBucketInspection extends StateBucketTarget {
  readonly exists: boolean;
  readonly settings: readonly StateBucketSettingState[];
}

export interface StateBucketContext {
  readonly signal?: AbortSignal;
}

export interface StateBucketProvisioner {
  /** The name to use when neither a flag nor the config gives one: stable per project. */
  defaultName(project: string, projectDir: string): string;
  /** Why S3 would refuse the name, or undefined. */
  nameProblem(name: string): string | undefined;
  /**
   * Reads the bucket and its settings, changing nothing. The region is the bucket's own when it
   * exists. A bucket that exists but is not accessible (another account's) is an error.
   */
  inspect(target: StateBucketTarget, context: StateBucketContext): Promise<StateBucketInspection>;
  /** Creates the bucket (private, ACLs off) in the target's region. */
  create(target: StateBucketTarget, context: StateBucketContext): Promise<void>;
  /**
   * Makes one setting as bootstrap wants it (an existing bucket policy keeps its other statements);
   * returns it as left: `ok`, or `unsupported` where an S3-compatible server lacks the operation.
   */
  set(
    target: StateBucketTarget,
    setting: StateBucketSetting,
    context: StateBucketContext,
  ): Promise<StateBucketSettingState>;
}
