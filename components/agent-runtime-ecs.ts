/**
 * The `ecs` agent runtime: tfc-agent containers as a Fargate service. The agent token lives in
 * an SSM SecureString that only the task's execution role can read (ECS injects it as
 * TFC_AGENT_TOKEN); the task role has no permissions at all, because AWS access comes from the
 * per-run JWT -> Vault exchange in the hooks, never from the agent. Agents only connect out.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { type AgentNetwork, createAgentNetwork, type AgentNetworkArgs } from "./agent-network";

export interface EcsAgentsArgs {
  /** `<repository>@sha256:<hex>` of the agent image. */
  readonly image: pulumi.Input<string>;
  /** ECR repository of the image, when it is private ECR (pull permission for the execution role). */
  readonly repositoryArn?: pulumi.Input<string>;
  /** Credentials for a private registry that is not ECR (kept in Secrets Manager). */
  readonly registryAuth?: {
    readonly username: pulumi.Input<string>;
    readonly password: pulumi.Input<string>;
  };
  /** The agent pool token (secret). */
  readonly agentToken: pulumi.Input<string>;
  /** Plain agent environment (TFC_AGENT_SINGLE, TFC_AGENT_AUTO_UPDATE, TFC_ADDRESS, ...). */
  readonly environment: Readonly<Record<string, string>>;
  /** Number of agents (the service's desired count). */
  readonly desiredCount: number;
  /** `linux/amd64` or `linux/arm64`: the pool's architecture is fixed by its first agent. */
  readonly platform: string;
  readonly cpu: number;
  readonly memory: number;
  readonly logRetentionDays: number;
  readonly network: AgentNetworkArgs;
  /** CPU target tracking between desiredCount and maxCount. */
  readonly scaling?: { readonly maxCount: number; readonly cpuTargetPercent: number };
}

const ECS_TASKS_TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
});

/** The execution role's only permissions: pull this image, write these logs, read this token. */
export function executionPolicy(p: {
  tokenArn: string;
  logGroupArn: string;
  repositoryArn?: string;
  registrySecretArn?: string;
}): string {
  const statements: object[] = [
    { Sid: "ReadAgentToken", Effect: "Allow", Action: ["ssm:GetParameters"], Resource: [p.tokenArn] },
    {
      Sid: "WriteLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [`${p.logGroupArn}:*`],
    },
  ];
  if (p.repositoryArn !== undefined) {
    statements.push(
      { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      {
        Sid: "PullAgentImage",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        Resource: [p.repositoryArn],
      },
    );
  }
  if (p.registrySecretArn !== undefined) {
    statements.push({
      Sid: "ReadRegistryCredentials",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: [p.registrySecretArn],
    });
  }
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

export class EcsAgents extends pulumi.ComponentResource {
  public readonly clusterName: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  public readonly taskRoleArn: pulumi.Output<string>;
  /** The agents' VPC, subnets and security group (the demo Vault admits that group). */
  public readonly network: AgentNetwork;
  /** Where the agents connect from, as `/32` (the NAT Elastic IP with fixedEgress; else empty). */
  public readonly egressAddresses: pulumi.Output<string[]>;

  constructor(name: string, args: EcsAgentsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tfc-jit-aws:agent:EcsAgents", name, {}, opts);
    const child = { parent: this };

    const network = createAgentNetwork(`${name}-net`, args.network, this);
    this.network = network;
    this.egressAddresses = network.egressAddresses;

    const token = new aws.ssm.Parameter(
      `${name}-token`,
      {
        type: "SecureString",
        description: "tfc-agent registration token (TFC_AGENT_TOKEN)",
        value: pulumi.secret(args.agentToken),
      },
      child,
    );
    // ECS private-registry authentication reads a Secrets Manager secret (not SSM).
    let registrySecret: aws.secretsmanager.Secret | undefined;
    if (args.registryAuth) {
      registrySecret = new aws.secretsmanager.Secret(
        `${name}-registry`,
        { description: "Credentials to pull the tfc-agent image", recoveryWindowInDays: 7 },
        child,
      );
      new aws.secretsmanager.SecretVersion(
        `${name}-registry`,
        {
          secretId: registrySecret.id,
          secretString: pulumi.secret(
            pulumi
              .all([args.registryAuth.username, args.registryAuth.password])
              .apply(([username, password]) => JSON.stringify({ username, password })),
          ),
        },
        child,
      );
    }

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { retentionInDays: args.logRetentionDays },
      child,
    );

    const executionRole = new aws.iam.Role(
      `${name}-execution`,
      { assumeRolePolicy: ECS_TASKS_TRUST, description: "Starts tfc-agent tasks: pull, logs, token" },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}-execution`,
      {
        role: executionRole.id,
        policy: pulumi
          .all([token.arn, registrySecret?.arn, logGroup.arn, args.repositoryArn])
          .apply(([tokenArn, registryArn, logGroupArn, repositoryArn]) =>
            executionPolicy({
              tokenArn,
              logGroupArn,
              ...(repositoryArn !== undefined ? { repositoryArn } : {}),
              ...(registryArn !== undefined ? { registrySecretArn: registryArn } : {}),
            }),
          ),
      },
      child,
    );
    // No policy attaches to this role, on purpose: agents get AWS access only through Vault.
    const taskRole = new aws.iam.Role(
      `${name}-task`,
      { assumeRolePolicy: ECS_TASKS_TRUST, description: "tfc-agent tasks: no AWS permissions by design" },
      child,
    );

    const cluster = new aws.ecs.Cluster(
      `${name}-cluster`,
      { settings: [{ name: "containerInsights", value: "enabled" }] },
      child,
    );

    const region = aws.getRegionOutput({}, child).region;
    const containerDefinitions = pulumi
      .all([args.image, token.arn, registrySecret?.arn, logGroup.name, region])
      .apply(([image, tokenArn, registryArn, logGroupName, awsRegion]) =>
        JSON.stringify([
          {
            name: "tfc-agent",
            image,
            essential: true,
            environment: Object.entries(args.environment).map(([n, value]) => ({ name: n, value })),
            // ECS reads the parameter at task start; the token never appears in the task definition.
            secrets: [{ name: "TFC_AGENT_TOKEN", valueFrom: tokenArn }],
            ...(registryArn !== undefined
              ? { repositoryCredentials: { credentialsParameter: registryArn } }
              : {}),
            logConfiguration: {
              logDriver: "awslogs",
              options: {
                "awslogs-group": logGroupName,
                "awslogs-region": awsRegion,
                "awslogs-stream-prefix": "tfc-agent",
              },
            },
          },
        ]),
      );
    const taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family: `${name}-tfc-agent`,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(args.cpu),
        memory: String(args.memory),
        runtimePlatform: {
          operatingSystemFamily: "LINUX",
          cpuArchitecture: args.platform === "linux/arm64" ? "ARM64" : "X86_64",
        },
        executionRoleArn: executionRole.arn,
        taskRoleArn: taskRole.arn,
        containerDefinitions,
      },
      child,
    );

    const service = new aws.ecs.Service(
      `${name}-service`,
      {
        cluster: cluster.arn,
        taskDefinition: taskDefinition.arn,
        desiredCount: args.desiredCount,
        launchType: "FARGATE",
        networkConfiguration: {
          subnets: network.subnetIds,
          securityGroups: [network.securityGroupId],
          assignPublicIp: args.network.assignPublicIp,
        },
        // Single-job agents exit after each run; ECS replaces them. Keep capacity while deploying.
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        propagateTags: "SERVICE",
      },
      // A scaling policy owns the count once the service exists.
      { parent: this, ...(args.scaling ? { ignoreChanges: ["desiredCount"] } : {}) },
    );

    if (args.scaling) {
      const target = new aws.appautoscaling.Target(
        `${name}-scaling`,
        {
          serviceNamespace: "ecs",
          scalableDimension: "ecs:service:DesiredCount",
          resourceId: pulumi.interpolate`service/${cluster.name}/${service.name}`,
          minCapacity: args.desiredCount,
          maxCapacity: args.scaling.maxCount,
        },
        child,
      );
      new aws.appautoscaling.Policy(
        `${name}-cpu`,
        {
          policyType: "TargetTrackingScaling",
          serviceNamespace: target.serviceNamespace,
          scalableDimension: target.scalableDimension,
          resourceId: target.resourceId,
          targetTrackingScalingPolicyConfiguration: {
            targetValue: args.scaling.cpuTargetPercent,
            predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
          },
        },
        child,
      );
    }

    this.clusterName = cluster.name;
    this.serviceName = service.name;
    this.taskRoleArn = taskRole.arn;
    this.registerOutputs({
      clusterName: this.clusterName,
      serviceName: this.serviceName,
      egressAddresses: this.egressAddresses,
    });
  }
}
