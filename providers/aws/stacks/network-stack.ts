import {
  DefaultSecurityGroup,
  Eip,
  InternetGateway,
  NatGateway,
  RouteTable,
  RouteTableAssociation,
  Subnet,
  TerraformOutput,
  Vpc,
} from './cdktf-modules.js';
import type { Construct } from 'constructs';
import { MlopsStack } from './base-stack.js';
import type { InfraSettings } from './settings.js';

/**
 * The VPC: public subnets (NAT gateways, internet-facing load balancers) and private subnets (nodes,
 * internal load balancers) in every zone, tagged for the load-balancer controller's subnet discovery.
 */
export class NetworkStack extends MlopsStack {
  readonly vpc: Vpc;
  readonly publicSubnets: Subnet[];
  readonly privateSubnets: Subnet[];

  constructor(scope: Construct, settings: InfraSettings) {
    super(scope, 'network', settings);
    const { network, clusterName, project } = settings;
    const clusterTag = { [`kubernetes.io/cluster/${clusterName}`]: 'shared' };

    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: network.vpcCidr,
      enableDnsHostnames: true, // EKS private endpoint and node registration need DNS hostnames
      enableDnsSupport: true,
      tags: { Name: `${project}-vpc` },
    });
    // The default security group allows all traffic between its members; nothing should use it.
    new DefaultSecurityGroup(this, 'default-security-group', {
      vpcId: this.vpc.id,
      tags: { Name: `${project}-default-deny` },
    });

    const igw = new InternetGateway(this, 'internet-gateway', {
      vpcId: this.vpc.id,
      tags: { Name: `${project}-igw` },
    });
    const publicRoutes = new RouteTable(this, 'public-routes', {
      vpcId: this.vpc.id,
      route: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }],
      tags: { Name: `${project}-public` },
    });

    this.publicSubnets = network.availabilityZones.map((zone, i) => {
      const subnet = new Subnet(this, `public-${zone}`, {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: network.publicSubnets[i],
        // Only NAT gateways and load balancers live here, and they get their addresses explicitly.
        mapPublicIpOnLaunch: false,
        tags: { Name: `${project}-public-${zone}`, 'kubernetes.io/role/elb': '1', ...clusterTag },
      });
      new RouteTableAssociation(this, `public-${zone}-routes`, {
        subnetId: subnet.id,
        routeTableId: publicRoutes.id,
      });
      return subnet;
    });

    const natZones = network.natPerAz ? network.availabilityZones : network.availabilityZones.slice(0, 1);
    const natGateways = natZones.map((zone, i) => {
      const eip = new Eip(this, `nat-${zone}-address`, {
        domain: 'vpc',
        tags: { Name: `${project}-nat-${zone}` },
      });
      return new NatGateway(this, `nat-${zone}`, {
        allocationId: eip.id,
        subnetId: this.publicSubnets[i]!.id,
        tags: { Name: `${project}-nat-${zone}` },
        dependsOn: [igw],
      });
    });

    this.privateSubnets = network.availabilityZones.map((zone, i) => {
      const subnet = new Subnet(this, `private-${zone}`, {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: network.privateSubnets[i],
        mapPublicIpOnLaunch: false,
        tags: { Name: `${project}-private-${zone}`, 'kubernetes.io/role/internal-elb': '1', ...clusterTag },
      });
      // One route table per zone, so that a per-AZ NAT keeps a zone's egress in its zone.
      const nat = natGateways[network.natPerAz ? i : 0]!;
      const routes = new RouteTable(this, `private-${zone}-routes-table`, {
        vpcId: this.vpc.id,
        route: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nat.id }],
        tags: { Name: `${project}-private-${zone}` },
      });
      new RouteTableAssociation(this, `private-${zone}-routes`, {
        subnetId: subnet.id,
        routeTableId: routes.id,
      });
      return subnet;
    });

    new TerraformOutput(this, 'vpc_id', { value: this.vpc.id });
    new TerraformOutput(this, 'private_subnet_ids', { value: this.privateSubnets.map((s) => s.id) });
    new TerraformOutput(this, 'public_subnet_ids', { value: this.publicSubnets.map((s) => s.id) });
  }
}
