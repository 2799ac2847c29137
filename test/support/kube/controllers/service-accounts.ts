import { mustKind } from '../kinds.js';
import type { ControllerContext } from './context.js';

/** The service account controller: every namespace gets its `default` ServiceAccount, as on a real cluster. */
export class ServiceAccountController {
  constructor(ctx: ControllerContext) {
    const namespaces = mustKind('Namespace');
    const accounts = mustKind('ServiceAccount');
    ctx.cluster.store.subscribe((change) => {
      if (change.kind !== namespaces || change.type !== 'ADDED') return;
      const namespace = change.object.metadata.name;
      setImmediate(() => {
        if (
          ctx.cluster.find(accounts, namespace, 'default') ||
          !ctx.cluster.find(namespaces, undefined, namespace)
        )
          return;
        ctx.cluster.create(
          accounts,
          namespace,
          { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } },
          { manager: 'kube-controller-manager' },
        );
      });
    });
  }
}
