/**
 * AgentPool: an HCP Terraform agent pool, its registration token, and the agents that run the
 * agent image, on ECS Fargate (default) or a Docker host. The token is a secret Output from the
 * tfc provider to the runtime (SSM SecureString or a secret container env) and is never exported.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tfc from "../providers/tfc";
import { EcsAgents } from "./agent-runtime-ecs";
import { DockerAgents } from "./agent-runtime-docker";
import type { AgentNetworkArgs } from "./agent-network";

export type AgentRuntimeArgs =
  | {
      readonly kind: "ecs";
      readonly cpu: number;
      readonly memory: number;
      readonly logRetentionDays: number;
      readonly network: AgentNetworkArgs;
      readonly scaling?: { readonly maxCount: number; readonly cpuTargetPercent: number };
    }
  | { readonly kind: "docker"; readonly host?: string };

export interface AgentPoolArgs {
  /** HCP Terraform organization. */
  readonly organization: pulumi.Input<string>;
  /** Pool name, unique in the organization. */
  readonly poolName: pulumi.Input<string>;
  /**
   * Whether every workspace of the organization may use the pool. Default false: only workspaces
   * allowed with tfc.AgentPoolAllowedWorkspaces (DemoWorkspace allows its own) may run on it.
   */
  readonly organizationScoped?: boolean;
  /** HCP Terraform / TFE address agents register with (`TFC_ADDRESS`). */
  readonly tfcAddress: string;
  /** `<repository>@sha256:<hex>` of the agent image (AgentImage.repoDigest). */
  readonly image: pulumi.Input<string>;
  /** Pull credentials for a private registry (AgentImage.registryAuth). */
  readonly registryAuth?: {
    readonly address: pulumi.Input<string>;
    readonly username: pulumi.Input<string>;
    readonly password: pulumi.Input<string>;
  };
  /** The private ECR repository (AgentImage.repositoryArn): ECS pulls with IAM instead of a password. */
  readonly repositoryArn?: pulumi.Input<string>;
  /** `linux/amd64` or `linux/arm64` (the image's platform). */
  readonly platform: string;
  /** Number of agents. */
  readonly count: number;
  /** `info`, `warn` or `error` (trace/debug may log secrets). */
  readonly logLevel: string;
  readonly runtime: AgentRuntimeArgs;
}

/**
 * The agent environment every runtime sets. The image sets the first two as well; setting them on
 * the container too keeps them true whatever image is run, and lets policies check them there.
 */
export function agentEnvironment(tfcAddress: string, logLevel: string): Record<string, string> {
  return {
    // The agent never replaces its pinned binary (the default, minor, would).
    TFC_AGENT_AUTO_UPDATE: "disabled",
    // One job per agent: nothing of one run is seen by the next.
    TFC_AGENT_SINGLE: "true",
    TFC_ADDRESS: tfcAddress,
    TFC_AGENT_LOG_LEVEL: logLevel,
  };
}

export class AgentPool extends pulumi.ComponentResource {
  /** The pool id (`apool-...`): the workspace's agentPoolId. */
  public readonly poolId: pulumi.Output<string>;
  /** The runtime's component, for callers that inspect it. */
  public readonly agents: EcsAgents | DockerAgents;

  constructor(name: string, args: AgentPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tfc-jit-aws:agent:AgentPool", name, {}, opts);

    const pool = new tfc.AgentPool(
      `${name}-pool`,
      {
        organization: args.organization,
        name: args.poolName,
        organizationScoped: args.organizationScoped ?? false,
      },
      { parent: this },
    );
    const token = new tfc.AgentToken(
      `${name}-token`,
      { agentPoolId: pool.id, description: pulumi.interpolate`${args.poolName} agents (Pulumi-managed)` },
      { parent: this },
    );
    this.poolId = pool.id;

    const environment = agentEnvironment(args.tfcAddress, args.logLevel);
    const rt = args.runtime;
    this.agents =
      rt.kind === "ecs"
        ? new EcsAgents(
            `${name}-ecs`,
            {
              image: args.image,
              ...(args.repositoryArn !== undefined ? { repositoryArn: args.repositoryArn } : {}),
              // ECR is pulled with the execution role's IAM permissions; other registries need a password.
              ...(args.repositoryArn === undefined && args.registryAuth !== undefined
                ? { registryAuth: args.registryAuth }
                : {}),
              agentToken: token.token,
              environment,
              desiredCount: args.count,
              platform: args.platform,
              cpu: rt.cpu,
              memory: rt.memory,
              logRetentionDays: rt.logRetentionDays,
              network: rt.network,
              ...(rt.scaling ? { scaling: rt.scaling } : {}),
            },
            { parent: this },
          )
        : new DockerAgents(
            `${name}-docker`,
            {
              image: args.image,
              ...(args.registryAuth !== undefined ? { registryAuth: args.registryAuth } : {}),
              agentToken: token.token,
              environment,
              count: args.count,
              ...(rt.host !== undefined ? { host: rt.host } : {}),
              platform: args.platform,
            },
            { parent: this },
          );

    this.registerOutputs({ poolId: this.poolId });
  }
}
