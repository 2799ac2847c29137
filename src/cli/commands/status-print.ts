import { isUnreadable, type StatusReport, type Unreadable } from '../../core/status/read.js';
import type { ServingStatus } from '../../core/status/read.js';
import { table, type Style } from '../terminal.js';

type Print = (line?: string) => void;

const why = (part: Unreadable): string => `${part.error.message} ${part.error.hint}`;

/** `mlops status` for a person: one section per part, each saying plainly when it could not be read. */
export function printStatus(report: StatusReport, print: Print, style: Style): void {
  print(style.bold(`Model ${report.model}`));
  print();
  print(style.bold('Aliases'));
  const { aliases } = report;
  if (isUnreadable(aliases)) print(`  The registry cannot be read: ${why(aliases)}`);
  else if (Object.keys(aliases).length === 0) print('  No aliases yet: mlops promote VERSION.');
  else print(indent(table(['ALIAS', 'VERSION'], Object.entries(aliases).sort())));
  print();
  if (isUnreadable(report.cluster)) {
    print(style.bold('Cluster'));
    print(`  Not shown: ${why(report.cluster)}`);
    return;
  }
  print(style.bold('Training Jobs'));
  const { training } = report;
  if (training === null || isUnreadable(training))
    print(`  Cannot be read: ${training ? why(training) : ''}`);
  else if (training.jobs.length === 0) print('  None: mlops train --watch starts one.');
  else
    print(
      indent(
        table(
          ['JOB', 'STATUS', 'STARTED', 'VERSION'],
          training.jobs.map((j) => [
            j.job,
            j.reason ? `${j.status} (${j.reason})` : j.status,
            j.startedAt ?? '-',
            j.version ?? '-',
          ]),
        ),
      ),
    );
  print();
  print(style.bold('Serving'));
  const { serving } = report;
  if (serving === null || isUnreadable(serving)) print(`  Cannot be read: ${serving ? why(serving) : ''}`);
  else printServing(serving, print);
  print();
  print(style.dim(`Cluster: context ${report.cluster.context} (${report.cluster.server})`));
}

function printServing(serving: ServingStatus, print: Print): void {
  const { deployment, canary, hpa, address } = serving;
  if (!deployment && !canary) {
    print(`  Nothing deployed in namespace ${serving.namespace}: mlops deploy.`);
    return;
  }
  if (deployment) {
    const revision = deployment.revision ? ` · revision ${deployment.revision}` : '';
    const since = deployment.lastRollout ? ` since ${deployment.lastRollout}` : '';
    print(`  ${serving.namespace}/${deployment.name}: rollout ${deployment.rollout}${revision}${since}`);
    print(
      `  ${deployment.ready}/${deployment.desired} ready · ${deployment.updated} updated · ${deployment.available} available · ${deployment.restarts} restarts`,
    );
    if (deployment.image) print(`  image ${deployment.image} · serves ${deployment.follows ?? '-'}`);
    for (const c of deployment.conditions.filter((c) => c.status !== 'True'))
      print(`  ${c.type} ${c.status}: ${c.reason ?? ''} ${c.message ?? ''}`.trimEnd());
  }
  if (serving.pods.length)
    print(
      indent(
        table(
          ['POD', 'TRACK', 'READY', 'RESTARTS', 'VERSION'],
          serving.pods.map((p) => [
            p.name,
            p.track ?? '-',
            p.ready ? 'yes' : 'no',
            String(p.restarts),
            p.version ?? `- (${p.versionError ?? 'unknown'})`,
          ]),
        ),
      ),
    );
  for (const p of serving.pods.filter((pod) => pod.drift?.length)) {
    const worst = (p.drift ?? []).slice(0, 3).map((d) => `${d.feature} ${d.psi.toFixed(2)}`);
    print(`  Drift in ${p.name} (PSI > 0.2): ${worst.join(', ')}${(p.drift?.length ?? 0) > 3 ? ' …' : ''}`);
  }
  if (canary)
    print(
      `  Canary ${canary.deployment}: ${canary.version ?? '?'} · ${canary.weight === null ? 'no traffic split' : `${canary.weight}% of traffic`} · ${canary.ready}/${canary.desired} ready`,
    );
  if (hpa) {
    const cpu =
      hpa.cpu.target === null
        ? ''
        : ` · CPU ${hpa.cpu.current === null ? '?' : `${hpa.cpu.current}%`} of ${hpa.cpu.target}%`;
    print(`  Autoscaler: ${hpa.current} replicas, wants ${hpa.desired} (${hpa.min}–${hpa.max})${cpu}`);
  }
  if (address?.url) print(`  Address: ${address.url} (${address.source})`);
  else if (address) print(`  Address: ${address.service} (in-cluster only; ${address.hint ?? ''})`);
}

const indent = (text: string): string =>
  text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
