/**
 * The stack configuration, read ONCE and validated before any resource is registered: the Vault
 * side (config/vault.ts), the agents and image (config/agent.ts) and the demo workspace
 * (config/tfc.ts), plus the checks that span them. Every problem is reported at once, each with
 * its key and its fix; a bad stack file creates nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigReader, type ConfigSource } from "./config/reader";
import { readVaultSide, type VaultSide } from "./config/vault";
import { readAgentSettings, type AgentSettings } from "./config/agent";
import { readWorkspaceSettings, type WorkspaceSettings } from "./config/tfc";
import { type DemoVaultSettings, readDemoVaultSettings, readVaultMode } from "./config/demo-vault";
import { checkCredentialsAreSecret } from "./config/credentials";
import { readOnboardedEntries, type OnboardedEntry } from "./config/workspaces";

export interface StackConfig {
  readonly vault: VaultSide;
  readonly agent: AgentSettings;
  readonly workspace: WorkspaceSettings;
  /** Present with vaultMode demo: the program runs the Vault (components/demo-vault.ts). */
  readonly demoVault?: DemoVaultSettings;
  /** Workspaces and projects onboarded beside the demo workspace (config/workspaces.ts). */
  readonly workspaces: readonly OnboardedEntry[];
}

/** HCP Terraform names a new organization's default project like this. */
export const DEFAULT_PROJECT_NAME = "Default Project";

function crossChecks(r: ConfigReader, vault: VaultSide, workspace: WorkspaceSettings): void {
  const plan = vault.phases.plan.credentialType;
  const apply = vault.phases.apply.credentialType;
  if (plan !== apply) {
    // The hook contract has one TFC_VAULT_BACKED_AWS_AUTH_TYPE for both phases.
    r.fail(
      "applyCredentialType",
      `(${apply}) differs from planCredentialType (${plan}), but the hooks read one TFC_VAULT_BACKED_AWS_AUTH_TYPE for both phases`,
      `pulumi config set ${r.fullKey("applyCredentialType")} ${plan} (or change both)`,
    );
  }
  if (workspace.projectId === undefined && vault.tfc.project !== DEFAULT_PROJECT_NAME) {
    // The JWT roles bind the project name in `sub`: the workspace must live in that project.
    r.fail(
      "tfcProjectId",
      `is not set, so the workspace would be created in the organization's default project, but the Vault roles bind project "${vault.tfc.project}" (tfcProject)`,
      `pulumi config set ${r.fullKey("tfcProjectId")} prj-... (the id of "${vault.tfc.project}")`,
    );
  }
  for (const phase of ["plan", "apply"] as const) {
    if (vault.phases[phase].roleArns.length > 1) {
      r.fail(
        `${phase}RoleArns`,
        "lists more than one role, but the hooks pass exactly one TFC_VAULT_BACKED_AWS_<PHASE>_ROLE_ARN",
        `keep one ARN in ${r.fullKey(`${phase}RoleArns`)}`,
      );
    }
  }
}

/** Reads and validates everything; throws ConfigErrors listing every problem. */
/** What a demo Vault cannot serve, each with the key to change. */
function demoVaultChecks(r: ConfigReader, vault: VaultSide, agent: AgentSettings): void {
  const demo = `with ${r.fullKey("vaultMode")} demo`;
  if (agent.runtime !== "ecs") {
    r.fail(
      "agentRuntime",
      `is ${agent.runtime}, but the demo Vault runs in the ECS agents' VPC and admits only their security group`,
      `pulumi config set ${r.fullKey("agentRuntime")} ecs (or pulumi config set ${r.fullKey("vaultMode")} external)`,
    );
  }
  if (agent.runtime === "ecs" && agent.ecs.network.existing !== undefined) {
    r.fail(
      "agentVpcId",
      `is set, but the demo Vault needs the VPC the program creates (public subnets, so that Pulumi reaches it from ${r.fullKey("demoVaultOperatorCidrs")})`,
      `pulumi config rm ${r.fullKey("agentVpcId")} and ${r.fullKey("agentSubnetIds")} (or bring your own Vault: ${r.fullKey("vaultMode")} external)`,
    );
  }
  if (agent.runtime === "ecs" && agent.ecs.network.fixedEgress) {
    // The agents reach the demo Vault at its private address: the JWT roles are bound to the agent
    // subnets already, and the demo Vault's subnet must stay public for Pulumi to reach it.
    r.fail(
      "agentFixedEgress",
      `is true, but ${demo} the agents reach Vault inside the VPC (the JWT roles are bound to the agent subnets), so a NAT gateway would only add cost`,
      `pulumi config rm ${r.fullKey("agentFixedEgress")}`,
    );
  }
  for (const key of ["vaultAddress", "vaultCaCertPem", "vaultNamespace"] as const) {
    if (r.optionalString(key) !== undefined) {
      r.fail(
        key,
        `is set, but ${demo} the demo Vault's own address and CA are used (and it has no namespaces)`,
        `pulumi config rm ${r.fullKey(key)}`,
      );
    }
  }
  if (vault.engine.rootKeys === undefined && !vault.engine.manageEngineIdentity) {
    // Without either, the engine would use the node's own role, which may only unseal.
    r.fail(
      "manageEngineIdentity",
      `is false and no root keys are set, but ${demo} the node's role has no IAM permissions, so the AWS secrets engine would have no identity to create credentials with`,
      `pulumi config set --secret ${r.fullKey("awsRootAccessKey")} / ${r.fullKey("awsRootSecretKey")} to a key of an IAM user with permissions/vault-engine-identity-policy.json, or pulumi config set ${r.fullKey("manageEngineIdentity")} true (docs/demo-vault.md)`,
    );
  }
  if (vault.engine.rotateRootKey) {
    r.fail(
      "rotateRootKey",
      `is true, but ${demo} the rotation provider has no Vault token to use (it reads vault:token)`,
      `pulumi config set ${r.fullKey("rotateRootKey")} false (use ${r.fullKey("manageEngineIdentity")} true instead)`,
    );
  }
}

export function readStackConfig(source: ConfigSource): StackConfig {
  const r = new ConfigReader(source);
  const mode = readVaultMode(r);
  const vault = readVaultSide(r, mode);
  const agent = readAgentSettings(r);
  const workspace = readWorkspaceSettings(r);
  const demoVault = readDemoVaultSettings(r, mode);
  const workspaces = readOnboardedEntries(r, vault);
  crossChecks(r, vault, workspace);
  if (demoVault) demoVaultChecks(r, vault, agent);
  checkCredentialsAreSecret(r, source.isPlainText?.bind(source));
  r.throwIfInvalid();
  return { vault, agent, workspace, workspaces, ...(demoVault ? { demoVault } : {}) };
}

/** `pulumi.Config` as a ConfigSource: raw text for plain keys, wrapped Outputs for secrets. */
export function pulumiConfigSource(config: pulumi.Config = new pulumi.Config("tfc-jit-aws")): ConfigSource {
  return {
    get: (key) => config.get(key),
    getSecret: (key) => config.getSecret(key),
    isPlainText: plainTextCheck(),
  };
}

/**
 * `pulumi.runtime.isConfigSecret` is internal to @pulumi/pulumi (the SDK's own warning for a
 * secret read with `get` uses it); without it we cannot tell, and the check is skipped.
 */
function plainTextCheck(): ((fullKey: string) => boolean) | undefined {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  const isSecret = runtime.isConfigSecret;
  if (typeof isSecret !== "function") return undefined;
  return (fullKey) => pulumi.runtime.getConfig(fullKey) !== undefined && !isSecret(fullKey);
}

/** The program's one read of the stack configuration. */
export function loadConfig(): StackConfig {
  return readStackConfig(pulumiConfigSource());
}
