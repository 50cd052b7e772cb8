/**
 * The workspace variables the hooks read (README, "The agent hooks"), split into what every
 * onboarded workspace shares and what differs per workspace. The shared part
 * (sharedHookVariables) goes in the stack's one variable set, the rest (workspaceHookVariables)
 * in workspace variables or a project entry's own set (components/onboarded-workspace-varsets.ts);
 * the demo workspace still gets both as workspace variables (hookVariables).
 */
import type * as pulumi from "@pulumi/pulumi";

type PerPhase<T> = { readonly plan: T; readonly apply: T };

/** Settings every onboarded workspace gets alike. */
export interface SharedHookSettings {
  /** `TFC_WORKLOAD_IDENTITY_AUDIENCE`: makes HCP Terraform inject the workload identity token. */
  readonly audience: pulumi.Input<string>;
  /** `TFC_VAULT_ADDR`: the Vault address the agents reach. */
  readonly vaultAddress: pulumi.Input<string>;
  /** `TFC_VAULT_NAMESPACE`. */
  readonly vaultNamespace?: pulumi.Input<string>;
  /** `TFC_VAULT_ENCODED_CACERT`: base64 PEM. */
  readonly vaultEncodedCaCert?: pulumi.Input<string>;
  /** `TFC_VAULT_AUTH_PATH`: the JWT auth mount (TfcJwtTrust.authPath). */
  readonly authPath: pulumi.Input<string>;
  /** `TFC_VAULT_BACKED_AWS_MOUNT_PATH` (VaultAwsEngine.mountPath). */
  readonly awsMountPath: pulumi.Input<string>;
}

/** What differs per workspace: its roles and its kind of credentials. */
export interface WorkspaceHookSettings {
  /** `TFC_VAULT_{PLAN,APPLY}_ROLE`: its JWT roles. */
  readonly jwtRoles: PerPhase<pulumi.Input<string>>;
  /** `TFC_VAULT_BACKED_AWS_AUTH_TYPE`: one for both phases (the contract has one variable). */
  readonly credentialType: pulumi.Input<string>;
  /** `TFC_VAULT_BACKED_AWS_{PLAN,APPLY}_VAULT_ROLE`: its AWS engine roles. */
  readonly awsRoles: PerPhase<pulumi.Input<string>>;
  /** `TFC_VAULT_BACKED_AWS_{PLAN,APPLY}_ROLE_ARN` (assumed_role only). */
  readonly roleArns?: { readonly plan?: pulumi.Input<string>; readonly apply?: pulumi.Input<string> };
}

/** What the hooks need to know, as Outputs of the resources that define it. */
export type HookContract = SharedHookSettings & WorkspaceHookSettings;

export interface WorkspaceVariable {
  readonly key: string;
  readonly value: pulumi.Input<string>;
  readonly category: "env" | "terraform";
  readonly description: string;
  /** Write-only in HCP Terraform. None of the contract's values is a secret. */
  readonly sensitive: boolean;
}

const env = (key: string, value: pulumi.Input<string>, description: string): WorkspaceVariable => ({
  key,
  value,
  category: "env",
  description,
  sensitive: false,
});

/** The variables every onboarded entry shares (the shared variable set); optional ones only when set. */
export function sharedHookVariables(shared: SharedHookSettings): WorkspaceVariable[] {
  return [
    env(
      "TFC_WORKLOAD_IDENTITY_AUDIENCE",
      shared.audience,
      "Audience of the workload identity token Vault accepts",
    ),
    env("TFC_VAULT_ADDR", shared.vaultAddress, "Vault address, as the agents reach it"),
    env("TFC_VAULT_AUTH_PATH", shared.authPath, "Vault JWT auth mount trusting HCP Terraform"),
    env("TFC_VAULT_BACKED_AWS_MOUNT_PATH", shared.awsMountPath, "Vault AWS secrets engine mount"),
    ...(shared.vaultNamespace !== undefined
      ? [env("TFC_VAULT_NAMESPACE", shared.vaultNamespace, "Vault namespace")]
      : []),
    ...(shared.vaultEncodedCaCert !== undefined
      ? [
          env(
            "TFC_VAULT_ENCODED_CACERT",
            shared.vaultEncodedCaCert,
            "Base64 PEM CA of Vault's TLS certificate",
          ),
        ]
      : []),
  ];
}

/** The variables only this workspace has: its roles and credential type. */
export function workspaceHookVariables(own: WorkspaceHookSettings): WorkspaceVariable[] {
  const vars = [
    env("TFC_VAULT_PLAN_ROLE", own.jwtRoles.plan, "Vault JWT role for plans"),
    env("TFC_VAULT_APPLY_ROLE", own.jwtRoles.apply, "Vault JWT role for applies"),
    env("TFC_VAULT_BACKED_AWS_AUTH_TYPE", own.credentialType, "Kind of AWS credentials the hooks fetch"),
    env("TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE", own.awsRoles.plan, "AWS engine role for plans (read-only)"),
    env("TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE", own.awsRoles.apply, "AWS engine role for applies"),
  ];
  if (own.roleArns?.plan !== undefined) {
    vars.push(env("TFC_VAULT_BACKED_AWS_PLAN_ROLE_ARN", own.roleArns.plan, "AWS role plans assume"));
  }
  if (own.roleArns?.apply !== undefined) {
    vars.push(env("TFC_VAULT_BACKED_AWS_APPLY_ROLE_ARN", own.roleArns.apply, "AWS role applies assume"));
  }
  return vars;
}

/** The whole hook contract as workspace variables. */
export function hookVariables(contract: HookContract): WorkspaceVariable[] {
  return [...sharedHookVariables(contract), ...workspaceHookVariables(contract)];
}
