import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DestinationRule,
  Gateway,
  VirtualService,
} from '@kubernetes-models/istio/networking.istio.io/v1beta1';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import type { MlopsConfigInput } from '../../src/config/schema.js';
import {
  renderServingStack,
  SERVING_DASHBOARD_TEMPLATE,
  type ManifestObject,
  type ServingStackInput,
} from '../../src/manifests/serving/index.js';
import { makeConfig } from '../infra/fixtures.js';
import { mustKind } from '../support/kube/kinds.js';
import type { KubeObject } from '../support/kube/objects.js';
import { validateObject } from '../support/kube/validate.js';

/** The serving stack's tests: one project (iris in ml-serve) and helpers to render and check its objects. */

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const DASHBOARD_JSON = readFileSync(path.join(ROOT, 'templates', SERVING_DASHBOARD_TEMPLATE), 'utf8');

export const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/iris-serving@sha256:${'ab'.repeat(32)}`;

export const servingConfig = (
  deploy: MlopsConfigInput['deploy'] = {},
  cluster: MlopsConfigInput['cluster'] = {},
) =>
  makeConfig({
    registry: 's3://iris-models/registry',
    cluster: { servingNamespace: 'ml-serve', ...cluster },
    deploy,
    infra: { state: { backend: 'local' } },
  });

export const ALL_APIS = { monitoring: true, istio: true } as const;
export const NO_APIS = { monitoring: false, istio: false } as const;

export function render(input: Partial<ServingStackInput> = {}): ManifestObject[] {
  return renderServingStack({
    config: servingConfig(),
    image: IMAGE,
    apis: ALL_APIS,
    dashboardJson: DASHBOARD_JSON,
    ...input,
  });
}

/** The one object of that kind (and name): fails when there is none or more than one. */
export function find<T = Record<string, unknown>>(
  objects: readonly ManifestObject[],
  kind: string,
  name?: string,
): T {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, found ${found.length}`);
  return found[0] as T;
}

const ISTIO_MODELS = { Gateway, VirtualService, DestinationRule } as const;
const PROMETHEUS_MODELS = { ServiceMonitor, PrometheusRule } as const;

/**
 * Validates an object with its kind's schema: core kinds as the API test server does (kubernetes-models
 * and unknown fields), ServiceMonitor/PrometheusRule with the prometheus-operator models, Istio's
 * networking.istio.io/v1 objects with the v1beta1 models (the same shape). Throws on the first error.
 */
export function validate(object: ManifestObject): void {
  const clone = structuredClone(object) as KubeObject;
  if (object.kind in ISTIO_MODELS) {
    const Model = ISTIO_MODELS[object.kind as keyof typeof ISTIO_MODELS];
    new Model({ ...clone, apiVersion: 'networking.istio.io/v1beta1' } as never).validate();
    return;
  }
  if (object.kind in PROMETHEUS_MODELS) {
    const Model = PROMETHEUS_MODELS[object.kind as keyof typeof PROMETHEUS_MODELS];
    new Model(clone as never).validate();
    return;
  }
  const verdict = validateObject(mustKind(object.kind), clone);
  if (verdict.causes.length > 0 || verdict.unknown.length > 0) {
    throw new Error(`${object.kind} ${object.metadata.name}: ${JSON.stringify(verdict)}`);
  }
}
