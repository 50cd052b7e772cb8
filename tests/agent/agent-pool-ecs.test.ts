import { strict as assert } from "node:assert";
import { isSecretInput, plain, recorder, settled, valueOf } from "../support/pulumi-mocks";
import { AgentPool, type AgentPoolArgs } from "../../components/agent-pool";
import { subnetCidrs } from "../../components/agent-network";
import { AGENT_TOKEN, DIGEST, T, resourcesLeaking, useAgentMocks } from "./fixtures";

const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/tfc-jit-aws/tfc-agent@${DIGEST}`;
const REPO_ARN = "arn:aws:ecr:us-east-1:123456789012:repository/tfc-jit-aws/tfc-agent";

const network = {
  vpcCidr: "10.42.0.0/16",
  assignPublicIp: true,
  egressCidrs: ["0.0.0.0/0"],
  egressPorts: [443, 8200],
};

function ecsArgs(
  overrides: Partial<AgentPoolArgs> = {},
  runtime: Record<string, unknown> = {},
): AgentPoolArgs {
  return {
    organization: "acme",
    poolName: "tfc-jit-aws",
    tfcAddress: "https://app.terraform.io",
    image: IMAGE,
    repositoryArn: REPO_ARN,
    platform: "linux/amd64",
    count: 2,
    logLevel: "info",
    runtime: {
      kind: "ecs",
      cpu: 1024,
      memory: 2048,
      logRetentionDays: 30,
      network,
      ...runtime,
    },
    ...overrides,
  };
}

interface ContainerDef {
  image: string;
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
  repositoryCredentials?: { credentialsParameter: string };
  logConfiguration: { logDriver: string; options: Record<string, string> };
}

function containerDef(): ContainerDef {
  const defs = JSON.parse(
    String(plain(recorder.one(T.taskDef).inputs.containerDefinitions)),
  ) as ContainerDef[];
  assert.equal(defs.length, 1);
  return defs[0];
}

interface PolicyDoc {
  Statement: { Sid: string; Action: string[] | string; Resource: string[] | string }[];
}

describe("AgentPool on ECS Fargate", () => {
  useAgentMocks();

  it("creates the HCP Terraform pool and a token for it", async () => {
    const pool = new AgentPool("agents", ecsArgs());
    await settled();
    const tfcPool = recorder.one(T.pool, "agents-pool");
    assert.equal(tfcPool.inputs.organization, "acme");
    assert.equal(tfcPool.inputs.name, "tfc-jit-aws");
    // Least privilege: only workspaces the pool allows may run on it.
    assert.equal(tfcPool.inputs.organizationScoped, false);
    const token = recorder.one(T.token, "agents-token");
    assert.equal(token.inputs.agentPoolId, tfcPool.id);
    assert.equal(await valueOf(pool.poolId), tfcPool.id);
  });

  it("opens the pool to the whole organization only when asked", async () => {
    new AgentPool("agents", ecsArgs({ organizationScoped: true }));
    await settled();
    assert.equal(recorder.one(T.pool, "agents-pool").inputs.organizationScoped, true);
  });

  it("keeps the agent token in an SSM SecureString, secret in state, and out of every plain input", async () => {
    new AgentPool("agents", ecsArgs());
    await settled();
    const param = recorder.one(T.ssmParam, "agents-ecs-token");
    assert.equal(param.inputs.type, "SecureString");
    assert.ok(isSecretInput(param.inputs.value));
    assert.equal(plain(param.inputs.value), AGENT_TOKEN);
    assert.deepEqual(resourcesLeaking(AGENT_TOKEN), []);
  });

  it("runs the pushed image by digest with the token injected from SSM and the agent settings in the environment", async () => {
    new AgentPool("agents", ecsArgs());
    await settled();
    const def = containerDef();
    assert.equal(def.image, IMAGE);
    assert.deepEqual(def.secrets, [
      { name: "TFC_AGENT_TOKEN", valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/agents-ecs-token" },
    ]);
    const env = Object.fromEntries(def.environment.map((e) => [e.name, e.value]));
    assert.deepEqual(env, {
      TFC_AGENT_AUTO_UPDATE: "disabled",
      TFC_AGENT_SINGLE: "true",
      TFC_ADDRESS: "https://app.terraform.io",
      TFC_AGENT_LOG_LEVEL: "info",
    });
    assert.equal(def.logConfiguration.logDriver, "awslogs");
    assert.equal(def.logConfiguration.options["awslogs-group"], "agents-ecs-logs");
    assert.equal(def.repositoryCredentials, undefined, "ECR is pulled with IAM, not a password");

    const task = recorder.one(T.taskDef);
    assert.deepEqual(task.inputs.requiresCompatibilities, ["FARGATE"]);
    assert.equal(task.inputs.networkMode, "awsvpc");
    assert.deepEqual(task.inputs.runtimePlatform, {
      operatingSystemFamily: "LINUX",
      cpuArchitecture: "X86_64",
    });
    assert.equal(task.inputs.cpu, "1024");
    assert.equal(task.inputs.memory, "2048");
  });

  it("gives the task role no permissions at all, and the execution role only this token, these logs and this image", async () => {
    new AgentPool("agents", ecsArgs());
    await settled();
    const taskRole = recorder.one(T.role, "agents-ecs-task");
    const execRole = recorder.one(T.role, "agents-ecs-execution");
    assert.equal(
      recorder.one(T.taskDef).inputs.taskRoleArn,
      "arn:aws:iam::123456789012:role/agents-ecs-task",
    );
    assert.equal(
      recorder.one(T.taskDef).inputs.executionRoleArn,
      "arn:aws:iam::123456789012:role/agents-ecs-execution",
    );

    for (const key of ["inlinePolicies", "managedPolicyArns", "permissionsBoundary"]) {
      assert.equal(taskRole.inputs[key], undefined, `task role ${key}`);
    }
    const attached = [...recorder.ofType(T.rolePolicy), ...recorder.ofType(T.attachment)].map(
      (p) => p.inputs.role,
    );
    assert.ok(!attached.includes(taskRole.id), "no policy is attached to the task role");
    assert.deepEqual(attached, [execRole.id]);
    assert.equal(recorder.ofType(T.attachment).length, 0, "no broad managed policy on the execution role");

    const doc = JSON.parse(String(plain(recorder.one(T.rolePolicy).inputs.policy))) as PolicyDoc;
    const bySid = Object.fromEntries(doc.Statement.map((s) => [s.Sid, s]));
    assert.deepEqual(Object.keys(bySid).sort(), [
      "EcrLogin",
      "PullAgentImage",
      "ReadAgentToken",
      "WriteLogs",
    ]);
    assert.deepEqual(bySid.ReadAgentToken.Resource, [
      "arn:aws:ssm:us-east-1:123456789012:parameter/agents-ecs-token",
    ]);
    assert.deepEqual(bySid.PullAgentImage.Resource, [REPO_ARN]);
    assert.deepEqual(bySid.WriteLogs.Resource, [
      "arn:aws:logs:us-east-1:123456789012:log-group:agents-ecs-logs:*",
    ]);
  });

  it("runs the configured number of agents as a Fargate service", async () => {
    new AgentPool("agents", ecsArgs({ count: 4 }));
    await settled();
    const service = recorder.one(T.service);
    assert.equal(service.inputs.desiredCount, 4);
    assert.equal(service.inputs.launchType, "FARGATE");
    assert.equal(
      service.inputs.taskDefinition,
      "arn:aws:ecs:us-east-1:123456789012:task-definition/agents-ecs-task:1",
    );
    assert.equal(recorder.ofType(T.scalingTarget).length, 0, "no scaling unless configured");
  });

  it("creates a small VPC with two public subnets and an outbound-only security group when no network is given", async () => {
    new AgentPool("agents", ecsArgs());
    await settled();
    assert.equal(recorder.one(T.vpc).inputs.cidrBlock, "10.42.0.0/16");
    const subnets = recorder.ofType(T.subnet);
    assert.deepEqual(
      subnets.map((s) => [s.inputs.cidrBlock, s.inputs.availabilityZone]),
      [
        ["10.42.0.0/18", "us-east-1a"],
        ["10.42.64.0/18", "us-east-1b"],
      ],
    );
    assert.equal(recorder.ofType(T.rtAssoc).length, 2);
    const sg = recorder.one(T.securityGroup);
    assert.deepEqual(sg.inputs.ingress, []);
    assert.deepEqual(
      (
        plain(sg.inputs.egress) as {
          protocol: string;
          fromPort: number;
          toPort: number;
          cidrBlocks: string[];
        }[]
      ).map((e) => [e.protocol, e.fromPort, e.toPort, e.cidrBlocks]),
      [
        ["tcp", 443, 443, ["0.0.0.0/0"]],
        ["tcp", 8200, 8200, ["0.0.0.0/0"]],
      ],
    );
    const net = plain(recorder.one(T.service).inputs.networkConfiguration) as Record<string, unknown>;
    assert.deepEqual(net, {
      subnets: subnets.map((s) => s.id),
      securityGroups: [sg.id],
      assignPublicIp: true,
    });
  });

  it("uses existing subnets from config and creates no VPC", async () => {
    new AgentPool(
      "agents",
      ecsArgs(
        {},
        {
          network: {
            ...network,
            assignPublicIp: false,
            existing: { vpcId: "vpc-0abc", subnetIds: ["subnet-01", "subnet-02"] },
          },
        },
      ),
    );
    await settled();
    for (const t of [T.vpc, T.subnet, T.igw, T.routeTable]) assert.equal(recorder.ofType(t).length, 0, t);
    assert.equal(recorder.one(T.securityGroup).inputs.vpcId, "vpc-0abc");
    const net = plain(recorder.one(T.service).inputs.networkConfiguration) as Record<string, unknown>;
    assert.deepEqual(net.subnets, ["subnet-01", "subnet-02"]);
    assert.equal(net.assignPublicIp, false);
  });

  it("scales on CPU between the configured count and maximum, and leaves the count to the scaler", async () => {
    new AgentPool("agents", ecsArgs({ count: 2 }, { scaling: { maxCount: 6, cpuTargetPercent: 60 } }));
    await settled();
    const target = recorder.one(T.scalingTarget);
    assert.equal(target.inputs.minCapacity, 2);
    assert.equal(target.inputs.maxCapacity, 6);
    assert.equal(target.inputs.resourceId, "service/agents-ecs-cluster/agents-ecs-service");
    const policy = plain(recorder.one(T.scalingPolicy).inputs) as {
      targetTrackingScalingPolicyConfiguration: {
        targetValue: number;
        predefinedMetricSpecification: unknown;
      };
    };
    assert.equal(policy.targetTrackingScalingPolicyConfiguration.targetValue, 60);
    assert.deepEqual(policy.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification, {
      predefinedMetricType: "ECSServiceAverageCPUUtilization",
    });
  });

  it("pulls from a non-ECR registry with credentials kept in Secrets Manager, readable by the execution role only", async () => {
    new AgentPool(
      "agents",
      ecsArgs({
        image: `ghcr.io/acme/tfc-agent@${DIGEST}`,
        repositoryArn: undefined,
        registryAuth: {
          address: "ghcr.io",
          username: "acme-bot",
          password: "ghcr-password-never-in-plaintext",
        },
        platform: "linux/arm64",
      }),
    );
    await settled();
    const version = recorder.one(T.smVersion);
    assert.ok(isSecretInput(version.inputs.secretString));
    assert.deepEqual(JSON.parse(String(plain(version.inputs.secretString))), {
      username: "acme-bot",
      password: "ghcr-password-never-in-plaintext",
    });
    const secretArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:agents-ecs-registry";
    assert.deepEqual(containerDef().repositoryCredentials, { credentialsParameter: secretArn });
    const doc = JSON.parse(String(plain(recorder.one(T.rolePolicy).inputs.policy))) as PolicyDoc;
    const sids = doc.Statement.map((s) => s.Sid).sort();
    assert.deepEqual(sids, ["ReadAgentToken", "ReadRegistryCredentials", "WriteLogs"]);
    assert.deepEqual(doc.Statement.find((s) => s.Sid === "ReadRegistryCredentials")?.Resource, [secretArn]);
    assert.deepEqual(recorder.one(T.taskDef).inputs.runtimePlatform, {
      operatingSystemFamily: "LINUX",
      cpuArchitecture: "ARM64",
    });
    assert.deepEqual(resourcesLeaking("ghcr-password-never-in-plaintext"), []);
  });

  it("points agents at a TFE host when one is configured", async () => {
    new AgentPool("agents", ecsArgs({ tfcAddress: "https://tfe.example.com" }));
    await settled();
    assert.ok(
      containerDef().environment.some(
        (e) => e.name === "TFC_ADDRESS" && e.value === "https://tfe.example.com",
      ),
    );
  });
});

describe("agent subnets", () => {
  it("splits the VPC CIDR into its first two quarters", () => {
    assert.deepEqual(subnetCidrs("10.42.0.0/16"), ["10.42.0.0/18", "10.42.64.0/18"]);
    assert.deepEqual(subnetCidrs("192.168.10.0/24"), ["192.168.10.0/26", "192.168.10.64/26"]);
  });
});
