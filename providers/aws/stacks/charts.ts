/**
 * Helm charts of the addons stack, pinned: an unpinned chart upgrades itself on the next apply.
 * Bump deliberately, together with the IAM policy a controller's chart documents for its version.
 */
export const CHARTS = {
  kubePrometheusStack: {
    repository: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-prometheus-stack',
    version: '75.15.0',
  },
  istioBase: {
    repository: 'https://istio-release.storage.googleapis.com/charts',
    chart: 'base',
    version: '1.26.3',
  },
  istiod: {
    repository: 'https://istio-release.storage.googleapis.com/charts',
    chart: 'istiod',
    version: '1.26.3',
  },
  istioGateway: {
    repository: 'https://istio-release.storage.googleapis.com/charts',
    chart: 'gateway',
    version: '1.26.3',
  },
  metricsServer: {
    repository: 'https://kubernetes-sigs.github.io/metrics-server/',
    chart: 'metrics-server',
    version: '3.13.0',
  },
  awsLoadBalancerController: {
    repository: 'https://aws.github.io/eks-charts',
    chart: 'aws-load-balancer-controller',
    // Controller v2.13; its IAM policy is iam-policies.ts loadBalancerControllerPolicy.
    version: '1.13.0',
  },
  clusterAutoscaler: {
    repository: 'https://kubernetes.github.io/autoscaler',
    chart: 'cluster-autoscaler',
    version: '9.46.0',
  },
} as const;
