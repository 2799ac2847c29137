import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema, type MlopsConfig, type MlopsConfigInput } from '../../src/config/schema.js';
import { MemoryIoHost, type IoAnswer, type IoRequest, type Progress } from '../../src/kernel/io-host.js';

/** A full config as loading would produce it (defaults applied), from the fields a test cares about. */
export function makeConfig(input: Omit<MlopsConfigInput, 'name'> & { name?: string }): MlopsConfig {
  const {
    $schema: _schema,
    environments: _environments,
    ...config
  } = configSchema.parse({ name: 'iris', ...input });
  return config;
}

export type Block = Record<string, unknown>;

/** A synthesized stack (cdk.tf.json) with lookups by Terraform address. */
export class StackJson {
  readonly json: {
    terraform: Block & { backend: Record<string, Block>; required_providers: Record<string, Block> };
    provider: Record<string, Block[]>;
    resource?: Record<string, Record<string, Block>>;
    data?: Record<string, Record<string, Block>>;
    output?: Record<string, { value: unknown; sensitive?: boolean }>;
    variable?: Record<string, Block>;
    locals?: Record<string, unknown>;
  };

  constructor(outDir: string, stack: string) {
    this.json = JSON.parse(
      readFileSync(path.join(outDir, 'stacks', stack, 'cdk.tf.json'), 'utf8'),
    ) as StackJson['json'];
  }

  /** `aws_vpc.vpc` → its block. */
  resource(address: string): Block {
    const [type, name] = address.split('.') as [string, string];
    const block = this.json.resource?.[type]?.[name];
    if (!block) throw new Error(`no resource ${address}`);
    return block;
  }

  resources(type: string): [string, Block][] {
    return Object.entries(this.json.resource?.[type] ?? {});
  }

  resourceTypes(): string[] {
    return Object.keys(this.json.resource ?? {});
  }

  count(): number {
    return Object.values(this.json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
  }

  output(name: string): unknown {
    const o = this.json.output?.[name];
    if (!o) throw new Error(`no output ${name}`);
    return o.value;
  }
}

/**
 * Follows a cross-stack reference (`${data.terraform_remote_state.cross-stack-reference-input-X.outputs.O}`)
 * to the expression the producing stack exports under that output.
 */
export function resolveRemote(value: unknown, stacks: Record<string, StackJson>): string {
  const match =
    /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-([a-z]+)\.outputs\.([^}]+)\}$/.exec(
      String(value),
    );
  if (!match) throw new Error(`not a cross-stack reference: ${String(value)}`);
  const producer = stacks[match[1]!];
  if (!producer) throw new Error(`no stack ${match[1]}`);
  return String(producer.output(match[2]!));
}

export const parsePolicy = (text: unknown): { Statement: Block[] } =>
  JSON.parse(String(text)) as { Statement: Block[] };

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/**
 * A person at a terminal: answers each request from a queue, remembers the questions, and records
 * spinners (with their total, if any) and questions in the order they happen.
 */
export class PersonIoHost extends MemoryIoHost {
  readonly asked: IoRequest[] = [];
  readonly timeline: string[] = [];

  constructor(private readonly answers: (boolean | string)[]) {
    super();
  }

  override progress(label: string, total?: number): Progress {
    this.timeline.push(`start ${label}${total === undefined ? '' : ` of ${total}`}`);
    return { update: () => undefined, done: () => void this.timeline.push(`done ${label}`) };
  }

  override async request<R extends IoRequest>(request: R): Promise<IoAnswer<R>> {
    this.asked.push(request);
    this.timeline.push(`ask ${request.message}`);
    const answer = this.answers.shift();
    if (answer === undefined) throw new Error(`unexpected question: ${request.message}`);
    return answer as IoAnswer<R>;
  }
}
