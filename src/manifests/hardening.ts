/**
 * The security context of every pod mlops runs (the training Job, the serving Deployments): non-root as
 * the `node` user of the official Node images, no privilege escalation, no capabilities, the runtime's
 * seccomp profile, a read-only root filesystem with an emptyDir at /tmp for what the process writes.
 */

/** The user and group of the `node` user in the official Node images both images build on. */
export const NODE_UID = 1000;

export const TMP_VOLUME = 'tmp';

export const podSecurityContext = () => ({
  runAsNonRoot: true,
  runAsUser: NODE_UID,
  runAsGroup: NODE_UID,
  fsGroup: NODE_UID,
  seccompProfile: { type: 'RuntimeDefault' },
});

export const containerSecurityContext = () => ({
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: NODE_UID,
  runAsGroup: NODE_UID,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
});
