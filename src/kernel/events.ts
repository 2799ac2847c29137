/**
 * Every `event` name mlops emits: the JSON Lines of streaming commands (`train --json`, `serve --json`,
 * `predict --json` with --file …) and the IoHost events of the library. CI scripts match on these, so
 * a name is never renamed or reused; fields of an event may be added, never renamed. A test checks that
 * every event emitted in the source is listed here and that every one listed is emitted.
 */
export const EVENTS = {
  // any streaming command
  failed: 'the command failed; carries {error: {message, hint, code}} (last line)',
  // init and quickstart
  initialized: 'a project was scaffolded: {dir, files, skipped}',
  step: 'a quickstart step finished: {step, …}',
  'install-failed': "init could not install the project's link to mlops: {dir, dependency}",
  // training
  dataset: 'the training data was read: {source, rows, features, classes}',
  epoch: 'one training epoch ended: {epoch, epochs, loss, valLoss, …}',
  trained: 'training ended, before registration: {metrics, epochs, seconds}',
  registered: 'the new version is in the registry: {model, version, metrics} (last line of train)',
  // training on the cluster
  submitted: 'the training Job was created: {job, namespace, runId, image}',
  pod: 'a training pod changed phase or state: {pod, phase, reason, message}',
  'registry-in-pod':
    'warning: cluster training with a file:// registry registers the version inside the pod: {registry}',
  log: 'a line of the training pod log that is not an event: {pod, time, line}',
  detached: 'train --watch stopped following (Ctrl-C); the Job runs on: {job, namespace, since}',
  cancelled: 'train --cancel deleted the Job and its pods: {job, namespace}',
  jobs: 'train --list: {jobs: [{job, status, startedAt, durationSeconds, runId, version}]}',
  // deploy
  'pull-secret':
    'deploy created or updated the image pull secret: {name, namespace, registry, source} (never its value)',
  'monitoring-skipped':
    'deploy skipped the monitoring objects: the cluster lacks the monitoring.coreos.com CRDs',
  applied: 'deploy applied an object: {kind, name, namespace, changed}',
  rollout:
    'the serving rollout progressed: {deployment, namespace, desired, updated, ready, available, replicas}',
  deployed: 'deploy finished: {changed, deployment, namespace, image, follows, replicas} (last line)',
  pruned:
    'deploy --prune deleted an object mlops applied before and no longer renders: {kind, name, namespace}',
  'dry-run': 'deploy --dry-run/--output applied nothing: {mode: server|client, objects}',
  canary: 'the canary changed: {action: started|weighted|kept|promoted|aborted, version, weight, removed}',
  // registry
  copying: 'a copy to another registry started: {version, from, to}',
  copied: 'a version was copied to another registry: {model, version, from, to, artifacts, bytes}',
  promoted: 'an alias now points at a version: {model, alias, version, previous}',
  'rolled-back': 'an alias went back to its previous version: {model, alias, version, previous}',
  unchanged: 'promote found the alias already at that version',
  'gc-removed': 'gc removed (or with --dry-run would remove) a version',
  'gc-removed-incomplete': 'gc removed a version abandoned mid-write',
  'gc-skipped': 'gc could not remove a version (it stays)',
  report: 'models report wrote its HTML file: {path, bytes, versions, opened}',
  // serving
  serving: 'the server listens and serves a version: {url, model, version, alias, backend, engine, pid}',
  reloaded: 'hot reload swapped in a new version: {from, to}',
  'reload-failed': 'a new version could not be loaded; the old one keeps serving',
  'poll-failed': 'the alias could not be read this time; polling goes on',
  'request-failed': 'a request failed inside the server (answered 500)',
  stopped: 'the server stopped: {reason, drained, requests}',
  drift:
    'warning: features of the served window passed PSI 0.2 (at most once a minute each): {model, version, rows, features: [{feature, psi}], predictions}',
  // predict
  'ignored-columns': 'predict --file dropped columns the model does not use (e.g. the label)',
  'version-changed': 'the served version changed while predict --file was sending batches',
  'deployed-address': 'predict has no --url and sends to the deployment’s external address: {url, source}',
  // infra
  'stack-synthesized': 'a stack was synthesized: {stack, dir, resources}',
  'stack-planned': 'terraform planned a stack: {stack, add, change, destroy}',
  'stack-deferred': 'a stack was not planned because a stack it depends on has pending changes',
  'stack-applying': 'terraform apply of a stack started: {stack}',
  'stack-applied': 'a stack was applied: {stack, summary}',
  'stack-destroying': 'terraform destroy of a stack started: {stack}',
  'stack-destroyed': 'a stack was destroyed: {stack, summary}',
  'apply-declined': 'infra up was declined at the confirmation',
  'destroy-declined': 'infra down was declined at the confirmation',
  terraform: 'one line of terraform output (debug)',
  'setting-derived':
    'infra synth or bootstrap chose a value the config leaves open: {setting, value, reason, howToSet}',
  'state-bucket-ready':
    'infra bootstrap finished: {bucket, region, created, changes} (changes [] on a no-op)',
  'operation-unsupported':
    'the S3-compatible server lacks an operation, so bootstrap could not read or set a setting: {setting, operation}',
  'config-updated': 'infra bootstrap --write-config wrote infra.state into the config file: {file, path}',
  'bootstrap-declined': 'infra bootstrap was declined at the confirmation: nothing was changed',
  // build
  layer:
    'build pushed a blob or found it there: {repository, digest, size, label, action: uploaded|mounted|exists}',
  pushed: 'build pushed an image and its tags: {image, digest, tags, builder, seconds, blobs}',
  built: 'build wrote an image without pushing it: {image, digest, tags, builder, seconds, location}',
  'build-plan': 'build --dry-run: what it would build and push: {image, tags, builder, digest, layers}',
  'build-tool': 'one line of buildah or docker output while build runs it (debug, shown with --verbose)',
} as const;

export type EventName = keyof typeof EVENTS;
