/** The Kubernetes API test server (DESIGN.md §10): start it, point kubectl or client-node at its kubeconfig. */
export { startKubeServer } from './server.js';
export type { KubeServer, KubeServer as KubeTestServer, KubeServerOptions, ObjectRef } from './server.js';
export type { Fault, FaultKind } from './faults.js';
export type { ForbidRule } from './rbac.js';
export type { RequestRecord } from './routes.js';
export type { KubeObject } from './objects.js';
