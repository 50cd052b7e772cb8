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
  /** Its tagged AWS configurations: the same settings with a `_<TAG>` suffix. */
  readonly tagged?: readonly TaggedHookSettings[];
}

/**
 * One tagged AWS configuration's settings (docs/upstream-behaviour.md, "HCP
 * Terraform tagged configurations"). No Vault configuration of its own: it logs in with the workspace's default
 * Vault configuration and JWT roles, so it needs no `TFC_VAULT_BACKED_AWS_VAULT_CONFIG_<TAG>`.
 */
export interface TaggedHookSettings {
  /** Letters, digits and `_`, not starting with TYPE (config/workspaces.ts checked it). */
  readonly tag: string;
  /** `TFC_VAULT_BACKED_AWS_AUTH_TYPE_<TAG>`. */
  readonly credentialType: pulumi.Input<string>;
  /** `TFC_VAULT_BACKED_AWS_{PLAN,APPLY}_VAULT_ROLE_<TAG>`. */
  readonly awsRoles: PerPhase<pulumi.Input<string>>;
  /** `TFC_VAULT_BACKED_AWS_{PLAN,APPLY}_ROLE_ARN_<TAG>` (assumed_role only). */
  readonly roleArns?: { readonly plan?: pulumi.Input<string>; readonly apply?: pulumi.Input<string> };
  /**
   * `TFC_VAULT_BACKED_AWS_MOUNT_PATH_<TAG>`, only when the mount is not `aws`: a tagged setting
   * falls back to its `TFC_DEFAULT_` form and then the built-in default, never to the default
   * configuration's untagged variable.
   */
  readonly mountPath?: pulumi.Input<string>;
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
  for (const t of own.tagged ?? []) vars.push(...taggedHookVariables(t));
  return vars;
}

/**
 * One tagged configuration's variables. `TFC_VAULT_BACKED_AWS_AUTH_<TAG>` names the tag (the
 * hooks discover tags from it) and is `false`, like the default configuration's absent flag: the
 * hooks, not HCP Terraform's native flow, fetch its credentials.
 */
export function taggedHookVariables(t: TaggedHookSettings): WorkspaceVariable[] {
  const of = `(configuration ${t.tag})`;
  const vars = [
    env(
      `TFC_VAULT_BACKED_AWS_AUTH_${t.tag}`,
      "false",
      `AWS configuration ${t.tag}: fetched by the agent hooks`,
    ),
    env(`TFC_VAULT_BACKED_AWS_AUTH_TYPE_${t.tag}`, t.credentialType, `Kind of AWS credentials ${of}`),
    env(`TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE_${t.tag}`, t.awsRoles.plan, `AWS engine role for plans ${of}`),
    env(
      `TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE_${t.tag}`,
      t.awsRoles.apply,
      `AWS engine role for applies ${of}`,
    ),
  ];
  if (t.roleArns?.plan !== undefined) {
    vars.push(
      env(`TFC_VAULT_BACKED_AWS_PLAN_ROLE_ARN_${t.tag}`, t.roleArns.plan, `AWS role plans assume ${of}`),
    );
  }
  if (t.roleArns?.apply !== undefined) {
    vars.push(
      env(`TFC_VAULT_BACKED_AWS_APPLY_ROLE_ARN_${t.tag}`, t.roleArns.apply, `AWS role applies assume ${of}`),
    );
  }
  if (t.mountPath !== undefined) {
    vars.push(
      env(`TFC_VAULT_BACKED_AWS_MOUNT_PATH_${t.tag}`, t.mountPath, `Vault AWS secrets engine mount ${of}`),
    );
  }
  return vars;
}

/** The whole hook contract as workspace variables. */
export function hookVariables(contract: HookContract): WorkspaceVariable[] {
  return [...sharedHookVariables(contract), ...workspaceHookVariables(contract)];
}
