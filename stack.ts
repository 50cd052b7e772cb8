/**
 * The whole system for one stack, from validated configuration. Data flows one way:
 *
 *   VaultAwsEngine ─────────────────────────────┐
 *   AgentImage -> AgentPool (pool id) -> DemoWorkspace: workspace (remote) -> pool allows it
 *                                          -> agent mode on the pool -> TfcJwtTrust(workspace id)
 *                                          -> hook variables (engine + trust names)
 *
 * The pool comes before the workspace (the workspace runs on it); the pool is not
 * organization-scoped by default, so it must allow the workspace before the workspace can switch
 * to agent mode on it; the JWT roles come after that (they bind its id); the hook variables come
 * last (they name the roles). DemoWorkspace cuts that cycle with its `bindHookContract` callback
 * (see components/demo-workspace.ts).
 *
 * With `vaultMode: demo` a DemoVault runs in the agents' VPC (after the pool, whose network it
 * joins), and the Vault side goes through a `vault.Provider` built from its outputs; the hooks get
 * its private address and CA. Otherwise the default Vault provider (vault:address, vault:token).
 * Onboarded workspaces (`workspaces`, config/workspaces.ts) share the engine and JWT mounts and
 * the pool's one allow-list with the demo; each entry is one OnboardedWorkspace with its own
 * roles, policies, agent mode and variables, so removing an entry removes only its resources.
 * The shared hook settings go in one variable set, attached by each entry
 * (components/onboarded-workspace-varsets.ts); the demo keeps its own workspace variables.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as vaultSdk from "@pulumi/vault";
import type { StackConfig } from "./config";
import { VaultAwsEngine } from "./components/vault-aws-engine";
import { TfcJwtTrust } from "./components/tfc-jwt-trust";
import { onboardedWorkspaceArgs, tfcJwtTrustArgs, vaultAwsEngineArgs } from "./components/vault-side-args";
import { AgentImage, type AgentImageTarget } from "./components/agent-image";
import { AgentPool, type AgentRuntimeArgs } from "./components/agent-pool";
import { DemoWorkspace, type HookContract } from "./components/demo-workspace";
import type { ImageSource } from "./config/agent";
import { EcsAgents } from "./components/agent-runtime-ecs";
import { agentSourceCidrs } from "./components/agent-network";
import { DemoVault } from "./components/demo-vault";
import { DEMO_VAULT_PATHS } from "./components/demo-vault-boot";
import { demoVaultProvider } from "./components/demo-vault-provider";
import { pulumiVaultPolicy } from "./components/pulumi-vault-policy";
import { OnboardedWorkspace } from "./components/onboarded-workspace";
import { poolAllowList, type PoolAccess } from "./components/onboarded-workspace-tfc";
import type { SharedHookSettings } from "./components/onboarded-workspace-variables";
import {
  projectHookSetName,
  sharedHookVariableSet,
  type HookVariableSet,
} from "./components/onboarded-workspace-varsets";
import type { OnboardedEntry } from "./config/workspaces";

export interface StackOptions {
  /** Build context of the agent image: the repository root (default: the program's directory). */
  readonly contextDir?: string;
}

type PerPhase<T> = { plan: T; apply: T };

/** What an operator needs after `pulumi up`; nothing secret. */
export interface StackOutputs {
  vaultAwsMountPath: pulumi.Output<string>;
  vaultAwsRoles: PerPhase<pulumi.Output<string>>;
  vaultPolicies: PerPhase<pulumi.Output<string>>;
  vaultJwtAuthPath: pulumi.Output<string>;
  vaultJwtRoles: PerPhase<pulumi.Output<string>>;
  agentPoolId: pulumi.Output<string>;
  agentImage: pulumi.Output<string>;
  workspaceId: pulumi.Output<string>;
  workspaceUrl: pulumi.Output<string>;
  /** The JWT roles' `token_bound_cidrs`: where agents connect to Vault from; empty = not bound. */
  agentBoundCidrs: pulumi.Output<string[]>;
  /** vaultMode demo only: where Pulumi reaches the demo Vault, its CA, and its recovery keys (secret). */
  demoVaultAddress?: pulumi.Output<string>;
  demoVaultCaCertPem?: pulumi.Output<string>;
  demoVaultRecoveryKeys?: pulumi.Output<string[]>;
  /** Per onboarded entry (workspace name, or `project:<name>`): its Vault names and hook variables. */
  onboarded: Record<string, OnboardedOutputs>;
}

export interface OnboardedOutputs {
  vaultJwtRoles: PerPhase<pulumi.Output<string>>;
  vaultAwsRoles: PerPhase<pulumi.Output<string>>;
  vaultPolicies: PerPhase<pulumi.Output<string>>;
  /** Every hook variable the entry's workspaces get (from its variables and variable sets). */
  hookVariables: pulumi.Output<Record<string, string>>;
}

/** The name an entry goes by in outputs and messages. */
export function entryLabel(entry: OnboardedEntry): string {
  return entry.kind === "workspace" ? (entry.workspace ?? entry.path) : `project:${entry.project}`;
}

/** The Pulumi resource name of the pool's allow-list, and the name it had when only the demo used it. */
export const ALLOW_LIST_NAME = "agents-allowed-workspaces";
const LEGACY_ALLOW_LIST = {
  name: "demo-pool-access",
  parentName: "demo",
  parentType: "tfc-jit-aws:tfc:DemoWorkspace",
};

function imageTarget(source: ImageSource): AgentImageTarget {
  switch (source.kind) {
    case "ecr":
      return { kind: "ecr", repositoryName: source.repositoryName };
    case "registry":
      return { kind: "registry", ...source.registry };
    case "prebuilt":
      return { kind: "prebuilt", repoDigest: source.repoDigest };
  }
}

/** TCP ports agents must reach: HTTPS and Vault's port. */
export function egressPorts(vaultAddress: string): number[] {
  const url = new URL(vaultAddress);
  const vaultPort = url.port === "" ? (url.protocol === "http:" ? 80 : 443) : Number(url.port);
  return [...new Set([443, vaultPort])];
}

function runtimeArgs(config: StackConfig): AgentRuntimeArgs {
  const { agent, vault } = config;
  if (agent.runtime === "docker") {
    return { kind: "docker", ...(agent.dockerHost !== undefined ? { host: agent.dockerHost } : {}) };
  }
  const { network } = agent.ecs;
  return {
    kind: "ecs",
    cpu: agent.ecs.cpu,
    memory: agent.ecs.memory,
    logRetentionDays: agent.ecs.logRetentionDays,
    network: {
      ...(network.existing ? { existing: network.existing } : {}),
      vpcCidr: network.vpcCidr,
      assignPublicIp: network.assignPublicIp,
      fixedEgress: network.fixedEgress,
      egressCidrs: network.egressCidrs,
      egressPorts: config.demoVault ? [443, DEMO_VAULT_PATHS.port] : egressPorts(vault.vaultAddress),
    },
    ...(agent.ecs.scaling ? { scaling: agent.ecs.scaling } : {}),
  };
}

export function createStack(config: StackConfig, options: StackOptions = {}): StackOutputs {
  const { vault, agent, workspace: ws } = config;

  const image = new AgentImage("agent-image", {
    target: imageTarget(agent.image.source),
    tfcAgentVersion: agent.image.tfcAgentVersion,
    ...(agent.image.tfcAgentDigest !== undefined ? { tfcAgentDigest: agent.image.tfcAgentDigest } : {}),
    ...(agent.image.nodeImageDigest !== undefined ? { nodeImageDigest: agent.image.nodeImageDigest } : {}),
    platform: agent.image.platform,
    contextDir: options.contextDir ?? __dirname,
  });

  const pool = new AgentPool("agents", {
    organization: vault.tfc.organization,
    poolName: agent.pool.name,
    organizationScoped: agent.pool.organizationScoped,
    tfcAddress: vault.tfc.address,
    image: image.repoDigest,
    ...(image.registryAuth ? { registryAuth: image.registryAuth } : {}),
    ...(image.repositoryArn ? { repositoryArn: image.repositoryArn } : {}),
    platform: agent.image.platform,
    count: agent.count,
    logLevel: agent.logLevel,
    runtime: runtimeArgs(config),
  });

  // vaultMode demo: the Vault runs beside the agents, and every Vault resource below goes through
  // a provider built from its outputs; otherwise the default provider (vault:address/token).
  let demoVault: DemoVault | undefined;
  let vaultOpts: pulumi.ComponentResourceOptions = {};
  if (config.demoVault) {
    if (!(pool.agents instanceof EcsAgents)) throw new Error("vaultMode demo needs agentRuntime ecs");
    const network = pool.agents.network;
    demoVault = new DemoVault("demo-vault", {
      vpcId: network.vpcId,
      subnetId: network.subnetIds.apply((ids) => ids[0]),
      agentSecurityGroupId: network.securityGroupId,
      operatorCidrs: config.demoVault.operatorCidrs,
      image: config.demoVault.image,
      instanceType: config.demoVault.instanceType,
      pulumiPolicyHcl: pulumiVaultPolicy({
        awsMountPath: vault.engine.mountPath,
        jwtAuthPath: vault.trust.authPath,
        roleNamePrefix: vault.engine.roleNamePrefix,
      }),
    });
    const provider: vaultSdk.Provider = demoVaultProvider("demo-vault", demoVault);
    vaultOpts = { providers: { vault: provider } };
  }
  const agentVaultAddress: pulumi.Input<string> = demoVault ? demoVault.agentAddress : vault.vaultAddress;
  const encodedCaCert: pulumi.Input<string> | undefined = demoVault
    ? demoVault.caCertPem.apply((pem) => Buffer.from(pem, "utf8").toString("base64"))
    : ws.vaultEncodedCaCert;

  const engine = new VaultAwsEngine("vault-aws", vaultAwsEngineArgs(vault, config.workspaces), vaultOpts);
  // Where agents connect from: every trusted workspace's JWT roles are bound to it (docs/network.md).
  const boundCidrs = agentSourceCidrs({
    listed: agent.egressAddresses,
    vaultInVpc: demoVault !== undefined,
    ...(pool.agents instanceof EcsAgents ? { network: pool.agents.network } : {}),
  });

  // The hook settings every trusted workspace shares (one place, so a variable set can carry them).
  const sharedWith = (authPath: pulumi.Output<string>): SharedHookSettings => ({
    audience: vault.trust.audience,
    vaultAddress: agentVaultAddress,
    ...(ws.vaultNamespace !== undefined ? { vaultNamespace: ws.vaultNamespace } : {}),
    ...(encodedCaCert !== undefined ? { vaultEncodedCaCert: encodedCaCert } : {}),
    authPath,
    awsMountPath: engine.mountPath,
  });

  const bound: { trust?: TfcJwtTrust } = {};
  const bindHookContract = (workspaceId: pulumi.Output<string>): HookContract => {
    const trust = new TfcJwtTrust(
      "tfc-trust",
      { ...tfcJwtTrustArgs(vault, engine, workspaceId), boundCidrs },
      vaultOpts,
    );
    bound.trust = trust;
    const roleArn = (phase: "plan" | "apply") => vault.phases[phase].roleArns[0];
    const planArn = roleArn("plan");
    const applyArn = roleArn("apply");
    return {
      ...sharedWith(trust.authPath),
      jwtRoles: trust.roleNames,
      credentialType: engine.credentialTypes.plan,
      awsRoles: engine.roleNames,
      ...(planArn !== undefined || applyArn !== undefined
        ? { roleArns: { ...(planArn ? { plan: planArn } : {}), ...(applyArn ? { apply: applyArn } : {}) } }
        : {}),
    };
  };

  // The pool's one allow-list: the demo workspace and every onboarded workspace entry.
  const access: { value?: PoolAccess } = {};
  const allowOnPool = (demoWorkspaceId: pulumi.Output<string>): PoolAccess => {
    const entryIds = config.workspaces.flatMap((e) => (e.workspaceId !== undefined ? [e.workspaceId] : []));
    access.value = poolAllowList(ALLOW_LIST_NAME, pool.poolId, [demoWorkspaceId, ...entryIds], {
      // It was the demo's child before workspaces could be onboarded: same resource, no replacement.
      aliases: [
        {
          name: LEGACY_ALLOW_LIST.name,
          parent: pulumi.createUrn(LEGACY_ALLOW_LIST.parentName, LEGACY_ALLOW_LIST.parentType),
        },
      ],
    });
    return access.value;
  };

  const demo = new DemoWorkspace("demo", {
    organization: vault.tfc.organization,
    name: vault.tfc.workspace,
    ...(ws.projectId !== undefined ? { projectId: ws.projectId } : {}),
    allowOnPool,
    vcsRepo: {
      identifier: ws.vcs.identifier,
      ...ws.vcs.connection,
      ...(ws.vcs.branch ? { branch: ws.vcs.branch } : {}),
    },
    ...(ws.workingDirectory !== undefined ? { workingDirectory: ws.workingDirectory } : {}),
    ...(ws.terraformVersion !== undefined ? { terraformVersion: ws.terraformVersion } : {}),
    autoApply: ws.autoApply,
    demo: ws.demo,
    bindHookContract,
  });
  const trust = bound.trust;
  if (trust === undefined)
    throw new Error("DemoWorkspace did not bind the hook contract (no JWT trust was created)");

  const shared = sharedWith(trust.authPath);
  const onboarded: Record<string, OnboardedOutputs> = {};
  // One variable set of the shared settings for every onboarded entry (none without entries).
  let sharedSet: HookVariableSet | undefined;
  for (const entry of config.workspaces) {
    sharedSet ??= sharedHookVariableSet(vault.tfc.organization, agent.pool.name, shared);
    const made = new OnboardedWorkspace(
      entry.resourceName,
      {
        ...onboardedWorkspaceArgs(vault, entry, shared, access.value),
        boundCidrs,
        variableSets: {
          shared: sharedSet,
          organization: vault.tfc.organization,
          projectSetName: projectHookSetName(agent.pool.name, entry),
        },
      },
      vaultOpts,
    );
    onboarded[entryLabel(entry)] = {
      vaultJwtRoles: made.jwtRoles,
      vaultAwsRoles: made.awsRoles,
      vaultPolicies: made.policyNames,
      hookVariables: made.hookVariables,
    };
  }

  return {
    vaultAwsMountPath: engine.mountPath,
    vaultAwsRoles: engine.roleNames,
    vaultPolicies: engine.policyNames,
    vaultJwtAuthPath: trust.authPath,
    vaultJwtRoles: trust.roleNames,
    agentPoolId: pool.poolId,
    agentImage: image.repoDigest,
    workspaceId: demo.workspaceId,
    workspaceUrl: demo.htmlUrl,
    agentBoundCidrs: boundCidrs,
    ...(demoVault
      ? {
          demoVaultAddress: demoVault.operatorAddress,
          demoVaultCaCertPem: demoVault.caCertPem,
          demoVaultRecoveryKeys: demoVault.recoveryKeys,
        }
      : {}),
    onboarded,
  };
}
