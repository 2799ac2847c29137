import {
  DataAwsEksClusterAuth,
  Fn,
  HelmProvider,
  Release,
  type ITerraformDependable,
} from './cdktf-modules.js';
import type { Construct } from 'constructs';
import { MlopsStack, PROVIDER_VERSIONS } from './base-stack.js';
import { CHARTS } from './charts.js';
import { CONTROLLER_SERVICE_ACCOUNTS, type ClusterStack } from './cluster-stack.js';
import type { NetworkStack } from './network-stack.js';
import type { InfraSettings } from './settings.js';

type Chart = (typeof CHARTS)[keyof typeof CHARTS];

const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';

/**
 * Cluster add-ons as Helm releases. Values are JSON documents (JSON is YAML) whose strings may carry
 * cross-stack references: the cluster name, region, VPC id and IRSA role ARNs come from the other
 * stacks' state, never from a second copy of the configuration.
 */
export class AddonsStack extends MlopsStack {
  readonly releases: Release[] = [];

  constructor(scope: Construct, settings: InfraSettings, network: NetworkStack, cluster: ClusterStack) {
    super(scope, 'addons', settings);
    const clusterName = cluster.cluster.name;
    // A token from the AWS API rather than `aws eks get-token`: no AWS CLI needed where terraform runs.
    const auth = new DataAwsEksClusterAuth(this, 'cluster-auth', { name: clusterName });
    new HelmProvider(this, 'helm', {
      kubernetes: {
        host: cluster.cluster.endpoint,
        clusterCaCertificate: Fn.base64decode(cluster.cluster.certificateAuthority.get(0).data),
        token: auth.token,
      },
    });
    this.pinProvider('helm', PROVIDER_VERSIONS.helm);

    const release = (
      id: string,
      chart: Chart,
      namespace: string,
      values: Record<string, unknown>,
      dependsOn: ITerraformDependable[] = [],
      timeout = 600,
    ): Release => {
      const r = new Release(this, id, {
        name: id,
        repository: chart.repository,
        chart: chart.chart,
        version: chart.version,
        namespace,
        createNamespace: namespace !== 'kube-system',
        atomic: true, // a failed install or upgrade rolls back instead of leaving a half-applied release
        cleanupOnFail: true,
        maxHistory: 10,
        timeout,
        values: Object.keys(values).length ? [JSON.stringify(values)] : [],
        dependsOn,
      });
      this.releases.push(r);
      return r;
    };

    const addons = settings.addons;
    if (addons.has('metrics-server')) release('metrics-server', CHARTS.metricsServer, 'kube-system', {});

    let loadBalancerController: Release | undefined;
    if (addons.has('aws-load-balancer-controller') && cluster.loadBalancerControllerRole) {
      const sa = CONTROLLER_SERVICE_ACCOUNTS.loadBalancerController;
      loadBalancerController = release(
        'aws-load-balancer-controller',
        CHARTS.awsLoadBalancerController,
        sa.namespace,
        {
          clusterName,
          // Given explicitly: with IMDS closed to pods (hop limit 1) the controller cannot discover them.
          region: settings.region,
          vpcId: network.vpc.id,
          serviceAccount: {
            create: true,
            name: sa.name,
            annotations: { [IRSA_ANNOTATION]: cluster.loadBalancerControllerRole.arn },
          },
        },
      );
    }

    if (addons.has('cluster-autoscaler') && cluster.clusterAutoscalerRole) {
      const sa = CONTROLLER_SERVICE_ACCOUNTS.clusterAutoscaler;
      release('cluster-autoscaler', CHARTS.clusterAutoscaler, sa.namespace, {
        cloudProvider: 'aws',
        awsRegion: settings.region,
        autoDiscovery: { clusterName },
        // The autoscaler's minor version must match the cluster's.
        image: { tag: `v${settings.kubernetesVersion}.0` },
        rbac: {
          serviceAccount: {
            create: true,
            name: sa.name,
            annotations: { [IRSA_ANNOTATION]: cluster.clusterAutoscalerRole.arn },
          },
        },
        extraArgs: { 'balance-similar-node-groups': true, expander: 'least-waste' },
      });
    }

    if (addons.has('kube-prometheus-stack')) {
      release(
        'kube-prometheus-stack',
        CHARTS.kubePrometheusStack,
        'monitoring',
        {
          prometheus: {
            prometheusSpec: {
              // Pick up the serving app's ServiceMonitor and the alert rules from any namespace, not
              // only objects labelled with this release.
              serviceMonitorSelectorNilUsesHelmValues: false,
              podMonitorSelectorNilUsesHelmValues: false,
              ruleSelectorNilUsesHelmValues: false,
              retention: '15d',
            },
          },
          grafana: {
            // The chart's default is a well-known password; empty lets Grafana generate one into its Secret.
            adminPassword: '',
            sidecar: { dashboards: { enabled: true, searchNamespace: 'ALL' } },
          },
        },
        [],
        900,
      );
    }

    if (addons.has('istio')) {
      const base = release('istio-base', CHARTS.istioBase, 'istio-system', { defaultRevision: 'default' });
      const istiod = release('istiod', CHARTS.istiod, 'istio-system', {}, [base]);
      release(
        'istio-ingressgateway',
        CHARTS.istioGateway,
        'istio-system',
        {
          service: {
            annotations: {
              // An NLB provisioned by the load-balancer controller, targeting pod IPs.
              'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
              'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
              'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
            },
          },
        },
        // The controller's webhook must exist before the Service, or the in-tree cloud provider
        // creates a classic load balancer instead.
        loadBalancerController ? [istiod, loadBalancerController] : [istiod],
      );
    }
  }
}
