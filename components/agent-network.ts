/**
 * Where the Fargate agents run: existing subnets from config, or a small VPC created here (two
 * public subnets, an internet gateway, no NAT gateway to pay for). With `fixedEgress` the created
 * VPC also gets two private subnets for the tasks and one NAT gateway with an Elastic IP, so every
 * agent leaves through one known address (docs/network.md). Either way the agents get a security
 * group with no ingress at all: they only connect out (HCP Terraform, Vault, the image registry,
 * Terraform and provider downloads).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface AgentNetworkArgs {
  /** Existing VPC and subnets; absent = create a small VPC. */
  readonly existing?: { readonly vpcId: string; readonly subnetIds: readonly string[] };
  /** CIDR of the created VPC (two subnets of a quarter of it each; four with fixedEgress). */
  readonly vpcCidr: string;
  /** Whether tasks get a public IP (required in the created VPC without NAT). */
  readonly assignPublicIp: boolean;
  /** Created VPC only: tasks in private subnets behind one NAT gateway with an Elastic IP. */
  readonly fixedEgress?: boolean;
  /** Destinations agents may reach. */
  readonly egressCidrs: readonly string[];
  /** TCP ports agents may reach: 443 and the Vault port. */
  readonly egressPorts: readonly number[];
}

export interface AgentNetwork {
  readonly vpcId: pulumi.Output<string>;
  /** The subnets the tasks run in (the private ones with fixed egress). */
  readonly subnetIds: pulumi.Output<string[]>;
  readonly securityGroupId: pulumi.Output<string>;
  /** CIDRs of the task subnets in the created VPC (empty for an existing network). */
  readonly taskSubnetCidrs: pulumi.Output<string[]>;
  /** The agents' public source addresses as `/32` (the NAT Elastic IP); empty when not fixed. */
  readonly egressAddresses: pulumi.Output<string[]>;
}

/** The four quarters of the VPC CIDR (e.g. 10.42.0.0/16 -> 10.42.0.0/18, 10.42.64.0/18, ...). */
function quarters(vpcCidr: string): string[] {
  const [ip, bits] = vpcCidr.split("/");
  const prefix = Number(bits) + 2;
  const base = ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - prefix);
  const toIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
  return [0, 1, 2, 3].map((i) => `${toIp(base + i * size)}/${prefix}`);
}

/** The two public subnets: the first two quarters of the VPC CIDR. */
export function subnetCidrs(vpcCidr: string): [string, string] {
  const [a, b] = quarters(vpcCidr);
  return [a, b];
}

/** The two private subnets of fixed egress: the last two quarters of the VPC CIDR. */
export function privateSubnetCidrs(vpcCidr: string): [string, string] {
  const [, , c, d] = quarters(vpcCidr);
  return [c, d];
}

function createVpc(name: string, cidr: string, fixedEgress: boolean, parent: pulumi.Resource) {
  const child = { parent };
  const vpc = new aws.ec2.Vpc(
    `${name}-vpc`,
    { cidrBlock: cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: `${name}-vpc` } },
    child,
  );
  const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id }, child);
  const routes = new aws.ec2.RouteTable(
    `${name}-public`,
    { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] },
    child,
  );
  const zones = aws.getAvailabilityZonesOutput({ state: "available" }, child).names;
  const subnets = subnetCidrs(cidr).map((subnetCidr, i) => {
    const subnet = new aws.ec2.Subnet(
      `${name}-public-${i}`,
      {
        vpcId: vpc.id,
        cidrBlock: subnetCidr,
        availabilityZone: zones.apply((z) => z[i % z.length]),
        // The task ENI gets its public IP from the service's assignPublicIp, not from the subnet.
        mapPublicIpOnLaunch: false,
        tags: { Name: `${name}-public-${i}` },
      },
      child,
    );
    new aws.ec2.RouteTableAssociation(
      `${name}-public-${i}`,
      { subnetId: subnet.id, routeTableId: routes.id },
      child,
    );
    return subnet.id;
  });
  if (!fixedEgress) {
    return {
      vpcId: vpc.id,
      subnetIds: pulumi.all(subnets),
      taskSubnetCidrs: pulumi.output(subnetCidrs(cidr)),
      egressAddresses: pulumi.output([] as string[]),
    };
  }
  // One NAT gateway, not one per zone: one address to bind and USD 0.045/h instead of twice that.
  // If its zone fails, agents in both zones lose egress until it returns; runs wait in the queue.
  const eip = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags: { Name: `${name}-nat` } }, child);
  const nat = new aws.ec2.NatGateway(
    `${name}-nat`,
    { allocationId: eip.id, subnetId: subnets[0], tags: { Name: `${name}-nat` } },
    { parent, dependsOn: [igw] },
  );
  const privateRoutes = new aws.ec2.RouteTable(
    `${name}-private`,
    { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }] },
    child,
  );
  const privateSubnets = privateSubnetCidrs(cidr).map((subnetCidr, i) => {
    const subnet = new aws.ec2.Subnet(
      `${name}-private-${i}`,
      {
        vpcId: vpc.id,
        cidrBlock: subnetCidr,
        availabilityZone: zones.apply((z) => z[i % z.length]),
        mapPublicIpOnLaunch: false,
        tags: { Name: `${name}-private-${i}` },
      },
      child,
    );
    new aws.ec2.RouteTableAssociation(
      `${name}-private-${i}`,
      { subnetId: subnet.id, routeTableId: privateRoutes.id },
      child,
    );
    return subnet.id;
  });
  return {
    vpcId: vpc.id,
    subnetIds: pulumi.all(privateSubnets),
    taskSubnetCidrs: pulumi.output(privateSubnetCidrs(cidr)),
    egressAddresses: eip.publicIp.apply((ip) => [`${ip}/32`]),
  };
}

export function createAgentNetwork(
  name: string,
  args: AgentNetworkArgs,
  parent: pulumi.Resource,
): AgentNetwork {
  const { vpcId, subnetIds, taskSubnetCidrs, egressAddresses } = args.existing
    ? {
        vpcId: pulumi.output(args.existing.vpcId),
        subnetIds: pulumi.output([...args.existing.subnetIds]),
        taskSubnetCidrs: pulumi.output([] as string[]),
        egressAddresses: pulumi.output([] as string[]),
      }
    : createVpc(name, args.vpcCidr, args.fixedEgress === true, parent);
  const group = new aws.ec2.SecurityGroup(
    `${name}-agents`,
    {
      vpcId,
      description: "tfc-agent: outbound only",
      // No ingress: nothing connects to an agent. DNS to the VPC resolver is not filtered by
      // security groups (custom DNS servers in an existing VPC would need port 53 added).
      ingress: [],
      egress: [...new Set(args.egressPorts)].map((port) => ({
        protocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrBlocks: [...args.egressCidrs],
        description: port === 443 ? "HTTPS: HCP Terraform, registries, downloads" : "Vault",
      })),
    },
    { parent },
  );
  return { vpcId, subnetIds, securityGroupId: group.id, taskSubnetCidrs, egressAddresses };
}

/**
 * Where Vault sees the agents connect from, for the JWT roles' `token_bound_cidrs`: the operator's
 * list when given; else, with Vault inside the agents' VPC (the demo Vault), the task subnets;
 * else the fixed egress addresses. Empty = unknown, and nothing is bound (a replayed JWT then
 * works from anywhere until it expires: docs/network.md).
 */
export function agentSourceCidrs(p: {
  readonly listed: readonly string[];
  readonly vaultInVpc: boolean;
  readonly network?: AgentNetwork;
}): pulumi.Output<string[]> {
  if (p.listed.length > 0) return pulumi.output([...p.listed]);
  if (p.network === undefined) return pulumi.output([] as string[]);
  return p.vaultInVpc ? p.network.taskSubnetCidrs : p.network.egressAddresses;
}
