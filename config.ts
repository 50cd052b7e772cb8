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
import { readOnboardedEntries, type OnboardedEntry } from "./config/workspaces";

export interface StackConfig {
  readonly vault: VaultSide;
  readonly agent: AgentSettings;
  readonly workspace: WorkspaceSettings;
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
export function readStackConfig(source: ConfigSource): StackConfig {
  const r = new ConfigReader(source);
  const vault = readVaultSide(r);
  const agent = readAgentSettings(r);
  const workspace = readWorkspaceSettings(r);
  const workspaces = readOnboardedEntries(r, vault);
  crossChecks(r, vault, workspace);
  r.throwIfInvalid();
  return { vault, agent, workspace, workspaces };
}

/** `pulumi.Config` as a ConfigSource: raw text for plain keys, wrapped Outputs for secrets. */
export function pulumiConfigSource(config: pulumi.Config = new pulumi.Config("tfc-jit-aws")): ConfigSource {
  return {
    get: (key) => config.get(key),
    getSecret: (key) => config.getSecret(key),
  };
}

/** The program's one read of the stack configuration. */
export function loadConfig(): StackConfig {
  return readStackConfig(pulumiConfigSource());
}
