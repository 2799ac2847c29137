import { find, render } from '../manifests/serving-fixtures.js';

/** The Grafana dashboard as `mlops deploy` ships it (the ConfigMap of the iris fixture), and its queries. */

export interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly [field: string]: unknown;
}

export interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly collapsed?: boolean;
  readonly panels?: readonly Panel[];
  readonly description?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly targets?: readonly Target[];
  readonly fieldConfig?: {
    readonly defaults: {
      readonly unit?: string;
      readonly thresholds?: {
        readonly mode: string;
        readonly steps: { color: string; value: number | null }[];
      };
      readonly custom?: { readonly thresholdsStyle?: { readonly mode: string } };
    };
    readonly overrides: readonly unknown[];
  };
}

export interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { readonly query: string };
  readonly current?: { readonly value?: string };
  readonly [field: string]: unknown;
}

export interface Dashboard {
  readonly [field: string]: unknown;
  readonly templating: { readonly list: readonly Variable[] };
  readonly panels: readonly Panel[];
}

export function shippedDashboard(): Dashboard {
  const map = find<{ data: Record<string, string> }>(render(), 'ConfigMap');
  return JSON.parse(Object.values(map.data)[0]!) as Dashboard;
}

export const isRow = (panel: Panel): boolean => panel.type === 'row';

export interface PanelQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

/**
 * Every panel query with the dashboard's variables replaced as Grafana does before it asks Prometheus
 * (`$namespace`, `$job`, and `$__rate_interval`, which Grafana computes from the scrape interval).
 */
export function panelQueries(dashboard: Dashboard, values: Readonly<Record<string, string>>): PanelQuery[] {
  return dashboard.panels
    .filter((p) => !isRow(p))
    .flatMap((p) =>
      (p.targets ?? []).map((t) => ({
        panel: p.title,
        refId: t.refId,
        expr: t.expr.replace(/\$(\w+)/g, (whole, name: string) => values[name] ?? whole),
      })),
    );
}
