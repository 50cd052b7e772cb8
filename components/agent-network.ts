/**
 * Where the Fargate agents run: existing subnets from config, or a small VPC created here (two
 * public subnets, an internet gateway, no NAT gateway to pay for). Either way the agents get a
 * security group with no ingress at all: they only connect out (HCP Terraform, Vault, the image
 * registry, Terraform and provider downloads).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface AgentNetworkArgs {
  /** Existing VPC and subnets; absent = create a small VPC. */
  readonly existing?: { readonly vpcId: string; readonly subnetIds: readonly string[] };
  /** CIDR of the created VPC (two subnets of a quarter of it each). */
  readonly vpcCidr: string;
  /** Whether tasks get a public IP (required in the created VPC, which has no NAT). */
  readonly assignPublicIp: boolean;
  /** Destinations agents may reach. */
  readonly egressCidrs: readonly string[];
  /** TCP ports agents may reach: 443 and the Vault port. */
  readonly egressPorts: readonly number[];
}

export interface AgentNetwork {
  readonly vpcId: pulumi.Output<string>;
  readonly subnetIds: pulumi.Output<string[]>;
  readonly securityGroupId: pulumi.Output<string>;
}

/** Two subnets, each a quarter of the VPC CIDR (e.g. 10.42.0.0/16 -> 10.42.0.0/18, 10.42.64.0/18). */
export function subnetCidrs(vpcCidr: string): [string, string] {
  const [ip, bits] = vpcCidr.split("/");
  const prefix = Number(bits) + 2;
  const base = ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - prefix);
  const toIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
  return [`${toIp(base)}/${prefix}`, `${toIp(base + size)}/${prefix}`];
}

function createVpc(name: string, cidr: string, parent: pulumi.Resource) {
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
  return { vpcId: vpc.id, subnetIds: pulumi.all(subnets) };
}

export function createAgentNetwork(
  name: string,
  args: AgentNetworkArgs,
  parent: pulumi.Resource,
): AgentNetwork {
  const { vpcId, subnetIds } = args.existing
    ? { vpcId: pulumi.output(args.existing.vpcId), subnetIds: pulumi.output([...args.existing.subnetIds]) }
    : createVpc(name, args.vpcCidr, parent);
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
  return { vpcId, subnetIds, securityGroupId: group.id };
}
