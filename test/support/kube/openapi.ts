import { KINDS, groupVersion } from './kinds.js';

/**
 * Just enough OpenAPI v3 for kubectl: its `--validate=strict` (the default) asks whether the server
 * validates fields itself by looking for the `fieldValidation` parameter on the PATCH operation of the
 * kind; when it does, kubectl leaves validation to the server, which is what the test server does.
 * No schemas are served (kubectl's client-side validation is then never used).
 */
const PARAMETERS = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
  name,
  in: 'query',
  schema: { type: name === 'force' ? 'boolean' : 'string' },
  uniqueItems: true,
}));

const prefix = (gv: string): string => (gv.includes('/') ? `apis/${gv}` : `api/${gv}`);

export function openapiRoot(): Record<string, unknown> {
  const versions = [...new Set(KINDS.map(groupVersion))];
  return {
    paths: Object.fromEntries(
      versions.map((gv) => [
        prefix(gv),
        { serverRelativeURL: `/openapi/v3/${prefix(gv)}?hash=${gv.replace(/\W/g, '')}` },
      ]),
    ),
  };
}

/** `/openapi/v3/apis/batch/v1`: the PATCH operation of each kind of that group version. */
export function openapiGroupVersion(path: string): Record<string, unknown> | undefined {
  const kinds = KINDS.filter((k) => `/openapi/v3/${prefix(groupVersion(k))}` === path);
  if (!kinds.length) return undefined;
  const paths = Object.fromEntries(
    kinds.map((k) => [
      `/${prefix(groupVersion(k))}${k.namespaced ? '/namespaces/{namespace}' : ''}/${k.resource}/{name}`,
      {
        patch: {
          operationId: `patch${k.kind}`,
          parameters: PARAMETERS,
          responses: { '200': { description: 'OK' } },
          'x-kubernetes-action': 'patch',
          'x-kubernetes-group-version-kind': { group: k.group, version: k.version, kind: k.kind },
        },
      },
    ]),
  );
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: {} },
  };
}
