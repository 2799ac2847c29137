import type { PlanSummary, ResourceChange } from '../../../src/core/ports/infra-runner.js';

// Readers of the JSON documents terraform prints (`show -json` of a plan or of a state), its stable
// machine interface; the human output is not one.

/** The part of `terraform show -json <planfile>` read here (format_version 1.x). */
interface PlanJson {
  readonly resource_changes?: readonly {
    readonly address: string;
    readonly mode?: string;
    readonly change: { readonly actions: readonly string[] };
  }[];
}

/**
 * Counts a saved plan the way terraform's own "Plan: N to add, N to change, N to destroy" line does:
 * a replacement (delete+create in either order) is one add and one destroy; reads and no-ops count
 * nothing. Parsed from the JSON plan rather than from human output, which is not a stable interface.
 */
export function summarizePlan(json: string): { summary: PlanSummary; changes: ResourceChange[] } {
  const plan = JSON.parse(json) as PlanJson;
  let add = 0;
  let change = 0;
  let destroy = 0;
  const changes: ResourceChange[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode === 'data') continue;
    const actions = rc.change.actions;
    const creates = actions.includes('create');
    const deletes = actions.includes('delete');
    const updates = actions.includes('update');
    if (creates) add += 1;
    if (deletes) destroy += 1;
    if (updates) change += 1;
    if (creates || deletes || updates) changes.push({ address: rc.address, actions: [...actions] });
  }
  return { summary: { add, change, destroy }, changes };
}

interface StateModule {
  readonly resources?: readonly { readonly address: string; readonly mode?: string }[];
  readonly child_modules?: readonly StateModule[];
}

/** Managed resource addresses in `terraform show -json` of a state ([] when there is no state yet). */
export function stateAddresses(json: string): string[] {
  const state = JSON.parse(json) as { values?: { root_module?: StateModule } };
  const walk = (module: StateModule | undefined): string[] => [
    ...(module?.resources ?? []).filter((r) => r.mode !== 'data').map((r) => r.address),
    ...(module?.child_modules ?? []).flatMap(walk),
  ];
  return walk(state.values?.root_module);
}
