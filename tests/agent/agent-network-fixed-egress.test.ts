/**
 * Fixed egress for the ECS runtime (`agentFixedEgress`): private task subnets behind one NAT
 * gateway with an Elastic IP, whose address is the network's output and what the program binds
 * the JWT roles to; and where the binding comes from in every other case (agentEgressAddresses,
 * the demo Vault inside the VPC, nothing known).
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { allRegistered, plain, recorder, settled, valueOf } from "../support/pulumi-mocks";
import { AgentPool, type AgentPoolArgs } from "../../components/agent-pool";
import { EcsAgents } from "../../components/agent-runtime-ecs";
import { agentSourceCidrs, privateSubnetCidrs, type AgentNetwork } from "../../components/agent-network";
import { readStackConfig } from "../../config";
import { createStack } from "../../stack";
import { DIGEST, T, useAgentMocks } from "./fixtures";
import { ROOT, devSource } from "../program/dev-stack";
import { ENTRIES } from "../program/onboarding-fixtures";
import { DEMO_OVERRIDES, useDemoVaultMocks } from "../vault/demo-vault-fixtures";

const EIP = "aws:ec2/eip:Eip";
const NAT = "aws:ec2/natGateway:NatGateway";
const JWT_ROLE = "vault:jwt/authBackendRole:AuthBackendRole";
const PUBLIC_IP = "198.51.100.7";

function ecsPool(network: Record<string, unknown>): AgentPool {
  const args: AgentPoolArgs = {
    organization: "acme",
    poolName: "tfc-jit-aws",
    tfcAddress: "https://app.terraform.io",
    image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/tfc-jit-aws/tfc-agent@${DIGEST}`,
    platform: "linux/amd64",
    count: 2,
    logLevel: "info",
    runtime: {
      kind: "ecs",
      cpu: 1024,
      memory: 2048,
      logRetentionDays: 30,
      network: {
        vpcCidr: "10.42.0.0/16",
        assignPublicIp: false,
        egressCidrs: ["0.0.0.0/0"],
        egressPorts: [443, 8200],
        ...network,
      },
    },
  };
  return new AgentPool("agents", args);
}

function ecsAgents(pool: AgentPool): EcsAgents {
  assert.ok(pool.agents instanceof EcsAgents);
  return pool.agents;
}

describe("fixed egress for the ECS agents", () => {
  useAgentMocks();
  beforeEach(() => recorder.outputs.set(EIP, () => ({ publicIp: PUBLIC_IP })));
  after(() => recorder.outputs.delete(EIP));

  it("puts the tasks in private subnets behind one NAT gateway with an Elastic IP, without public IPs", async () => {
    const pool = ecsPool({ fixedEgress: true });
    await settled();
    const subnets = recorder.ofType(T.subnet);
    assert.deepEqual(
      subnets.map((s) => [
        s.name,
        s.inputs.cidrBlock,
        s.inputs.availabilityZone,
        s.inputs.mapPublicIpOnLaunch,
      ]),
      [
        ["agents-ecs-net-public-0", "10.42.0.0/18", "us-east-1a", false],
        ["agents-ecs-net-public-1", "10.42.64.0/18", "us-east-1b", false],
        ["agents-ecs-net-private-0", "10.42.128.0/18", "us-east-1a", false],
        ["agents-ecs-net-private-1", "10.42.192.0/18", "us-east-1b", false],
      ],
    );
    const eip = recorder.one(EIP);
    assert.equal(eip.inputs.domain, "vpc");
    const nat = recorder.one(NAT);
    assert.equal(nat.inputs.allocationId, eip.id);
    assert.equal(nat.inputs.subnetId, subnets[0].id, "the NAT gateway sits in a public subnet");

    const tables = recorder.ofType(T.routeTable);
    const privateTable = tables.find((t) => t.name === "agents-ecs-net-private");
    assert.ok(privateTable);
    assert.deepEqual(plain(privateTable.inputs.routes), [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }]);
    const privateAssocs = recorder
      .ofType(T.rtAssoc)
      .filter((a) => a.inputs.routeTableId === privateTable.id)
      .map((a) => a.inputs.subnetId);
    assert.deepEqual(privateAssocs, [subnets[2].id, subnets[3].id]);

    const net = plain(recorder.one(T.service).inputs.networkConfiguration) as Record<string, unknown>;
    assert.deepEqual(net.subnets, [subnets[2].id, subnets[3].id]);
    assert.equal(net.assignPublicIp, false);

    const agents = ecsAgents(pool);
    assert.deepEqual(await valueOf(agents.egressAddresses), [`${PUBLIC_IP}/32`]);
    assert.deepEqual(await valueOf(agents.network.taskSubnetCidrs), ["10.42.128.0/18", "10.42.192.0/18"]);
  });

  it("keeps the default unchanged: public subnets, public IPs, no NAT gateway, no known egress address", async () => {
    const pool = ecsPool({ assignPublicIp: true });
    await settled();
    assert.equal(recorder.ofType(EIP).length, 0);
    assert.equal(recorder.ofType(NAT).length, 0);
    assert.deepEqual(
      recorder.ofType(T.subnet).map((s) => s.name),
      ["agents-ecs-net-public-0", "agents-ecs-net-public-1"],
    );
    assert.equal(recorder.ofType(T.routeTable).length, 1);
    const net = plain(recorder.one(T.service).inputs.networkConfiguration) as Record<string, unknown>;
    assert.equal(net.assignPublicIp, true);
    assert.deepEqual(await valueOf(ecsAgents(pool).egressAddresses), []);
  });

  it("knows no addresses of an existing network", async () => {
    const pool = ecsPool({ existing: { vpcId: "vpc-0abc", subnetIds: ["subnet-01"] } });
    await settled();
    const { network } = ecsAgents(pool);
    assert.deepEqual(await valueOf(network.egressAddresses), []);
    assert.deepEqual(await valueOf(network.taskSubnetCidrs), []);
  });

  it("takes the private subnets from the last two quarters of the VPC CIDR", () => {
    assert.deepEqual(privateSubnetCidrs("10.42.0.0/16"), ["10.42.128.0/18", "10.42.192.0/18"]);
    assert.deepEqual(privateSubnetCidrs("192.168.10.0/24"), ["192.168.10.128/26", "192.168.10.192/26"]);
  });
});

describe("where the JWT roles' token_bound_cidrs come from", () => {
  useAgentMocks();
  beforeEach(() => recorder.outputs.set(EIP, () => ({ publicIp: PUBLIC_IP })));
  after(() => recorder.outputs.delete(EIP));

  it("prefers the operator's list, then the task subnets for a Vault inside the VPC, then the egress addresses", async () => {
    const network: AgentNetwork = {
      vpcId: pulumi.output("vpc-1"),
      subnetIds: pulumi.output(["subnet-1"]),
      securityGroupId: pulumi.output("sg-1"),
      egressAddresses: pulumi.output([`${PUBLIC_IP}/32`]),
      taskSubnetCidrs: pulumi.output(["10.42.128.0/18"]),
    };
    assert.deepEqual(
      await valueOf(agentSourceCidrs({ listed: ["192.0.2.1/32"], vaultInVpc: false, network })),
      ["192.0.2.1/32"],
    );
    assert.deepEqual(await valueOf(agentSourceCidrs({ listed: [], vaultInVpc: true, network })), [
      "10.42.128.0/18",
    ]);
    assert.deepEqual(await valueOf(agentSourceCidrs({ listed: [], vaultInVpc: false, network })), [
      `${PUBLIC_IP}/32`,
    ]);
    assert.deepEqual(await valueOf(agentSourceCidrs({ listed: [], vaultInVpc: false })), []);
  });

  function build(overrides: Parameters<typeof devSource>[0]) {
    return createStack(readStackConfig(devSource(overrides)), { contextDir: ROOT });
  }

  async function boundCidrs(): Promise<unknown[]> {
    await allRegistered();
    return recorder
      .ofType(JWT_ROLE)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((r) => plain(r.inputs.tokenBoundCidrs));
  }

  it("binds both roles to the NAT gateway's Elastic IP with agentFixedEgress, and exports it", async () => {
    const outputs = build({ agentFixedEgress: true });
    assert.deepEqual(await boundCidrs(), [[`${PUBLIC_IP}/32`], [`${PUBLIC_IP}/32`]]);
    assert.deepEqual(await valueOf(outputs.agentBoundCidrs), [`${PUBLIC_IP}/32`]);
  });

  it("binds nothing by default (tasks get changing public IPs)", async () => {
    const outputs = build({});
    assert.deepEqual(await boundCidrs(), [[], []]);
    assert.deepEqual(await valueOf(outputs.agentBoundCidrs), []);
  });

  it("binds the addresses the operator lists for an existing network", async () => {
    build({
      agentVpcId: "vpc-0a",
      agentSubnetIds: ["subnet-0a"],
      agentEgressAddresses: ["198.51.100.0/28", "192.0.2.9/32"],
    });
    assert.deepEqual(await boundCidrs(), [
      ["198.51.100.0/28", "192.0.2.9/32"],
      ["198.51.100.0/28", "192.0.2.9/32"],
    ]);
  });

  it("binds every onboarded workspace's and project's roles to the same addresses as the demo's", async () => {
    build({ agentFixedEgress: true, workspaces: [...ENTRIES] });
    const all = await boundCidrs();
    assert.equal(all.length, 2 * (1 + ENTRIES.length));
    for (const cidrs of all) assert.deepEqual(cidrs, [`${PUBLIC_IP}/32`]);
  });

  it("binds the Docker host's listed egress address for the docker runtime", async () => {
    build({ agentRuntime: "docker", agentEgressAddresses: ["192.0.2.9/32"] });
    assert.deepEqual(await boundCidrs(), [["192.0.2.9/32"], ["192.0.2.9/32"]]);
  });
});

describe("token_bound_cidrs with the demo Vault", () => {
  useAgentMocks();
  useDemoVaultMocks();

  it("binds both roles to the agents' subnets: they reach the demo Vault at its private address", async () => {
    const outputs = createStack(readStackConfig(devSource({ ...DEMO_OVERRIDES })), { contextDir: ROOT });
    await allRegistered();
    const expected = ["10.42.0.0/18", "10.42.64.0/18"];
    assert.deepEqual(
      recorder.ofType(JWT_ROLE).map((r) => plain(r.inputs.tokenBoundCidrs)),
      [expected, expected],
    );
    assert.deepEqual(await valueOf(outputs.agentBoundCidrs), expected);
  });
});
