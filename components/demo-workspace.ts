/**
 * DemoWorkspace: an HCP Terraform workspace that runs on our agent pool, linked to a VCS repo (a
 * fork of hashicorp/hashicat-aws by default), and the workspace variables that carry the hook
 * contract (README.md, "The agent hooks"; docs/hooks.md) plus the demo's own Terraform variables.
 *
 * Order, as HCP Terraform requires for a pool that is not organization-scoped (the pool refuses
 * a workspace it does not allow, and a workspace being created has no id to allow yet):
 * workspace (remote mode) -> the pool allows it (AgentPoolAllowedWorkspaces) -> agent mode on the
 * pool (WorkspaceExecution, dependsOn the allow-list) -> JWT trust -> variables. The workspace id
 * handed on is the WorkspaceExecution's output, so everything after depends on agent mode being
 * set. The allow-list is created for an organization-scoped pool too: it is harmless there, and
 * narrowing the pool later does not cut the workspace off.
 *
 * The cycle, and how it is cut: the JWT roles bind the workspace's id, so they exist only after
 * the workspace; the hook variables name those roles, so they come after the roles. Rather than
 * re-deriving role names from config on both sides (which could drift silently), the workspace is
 * created first and `bindHookContract(workspaceId)` is called with its id: the caller builds the
 * JWT trust there and returns the contract as Outputs of the real Vault resources. The variables
 * then depend on those resources, so they name exactly what exists and are written only after it
 * exists.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tfc from "../providers/tfc";

type PerPhase<T> = { readonly plan: T; readonly apply: T };

/** What the hooks need to know, as Outputs of the resources that define it. */
export interface HookContract {
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
  /** `TFC_VAULT_{PLAN,APPLY}_ROLE` (TfcJwtTrust.roleNames). */
  readonly jwtRoles: PerPhase<pulumi.Input<string>>;
  /** `TFC_VAULT_BACKED_AWS_MOUNT_PATH` (VaultAwsEngine.mountPath). */
  readonly awsMountPath: pulumi.Input<string>;
  /** `TFC_VAULT_BACKED_AWS_AUTH_TYPE`: one for both phases (the contract has one variable). */
  readonly credentialType: pulumi.Input<string>;
  /** `TFC_VAULT_BACKED_AWS_{PLAN,APPLY}_VAULT_ROLE` (VaultAwsEngine.roleNames). */
  readonly awsRoles: PerPhase<pulumi.Input<string>>;
  /** `TFC_VAULT_BACKED_AWS_{PLAN,APPLY}_ROLE_ARN` (assumed_role only). */
  readonly roleArns?: { readonly plan?: pulumi.Input<string>; readonly apply?: pulumi.Input<string> };
}

export interface WorkspaceVariable {
  readonly key: string;
  readonly value: pulumi.Input<string>;
  readonly category: "env" | "terraform";
  readonly description: string;
  /** Write-only in HCP Terraform. None of the contract's values is a secret. */
  readonly sensitive: boolean;
}

/** The variables for a contract and the demo inputs; optional ones only when set. */
export function workspaceVariables(
  contract: HookContract,
  demo: { readonly prefix: pulumi.Input<string>; readonly region: pulumi.Input<string> },
): WorkspaceVariable[] {
  const env = (key: string, value: pulumi.Input<string>, description: string): WorkspaceVariable => ({
    key,
    value,
    category: "env",
    description,
    sensitive: false,
  });
  const vars: WorkspaceVariable[] = [
    env(
      "TFC_WORKLOAD_IDENTITY_AUDIENCE",
      contract.audience,
      "Audience of the workload identity token Vault accepts",
    ),
    env("TFC_VAULT_ADDR", contract.vaultAddress, "Vault address, as the agents reach it"),
    env("TFC_VAULT_AUTH_PATH", contract.authPath, "Vault JWT auth mount trusting HCP Terraform"),
    env("TFC_VAULT_PLAN_ROLE", contract.jwtRoles.plan, "Vault JWT role for plans"),
    env("TFC_VAULT_APPLY_ROLE", contract.jwtRoles.apply, "Vault JWT role for applies"),
    env("TFC_VAULT_BACKED_AWS_MOUNT_PATH", contract.awsMountPath, "Vault AWS secrets engine mount"),
    env("TFC_VAULT_BACKED_AWS_AUTH_TYPE", contract.credentialType, "Kind of AWS credentials the hooks fetch"),
    env(
      "TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE",
      contract.awsRoles.plan,
      "AWS engine role for plans (read-only)",
    ),
    env("TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE", contract.awsRoles.apply, "AWS engine role for applies"),
  ];
  if (contract.vaultNamespace !== undefined) {
    vars.push(env("TFC_VAULT_NAMESPACE", contract.vaultNamespace, "Vault namespace"));
  }
  if (contract.vaultEncodedCaCert !== undefined) {
    vars.push(
      env(
        "TFC_VAULT_ENCODED_CACERT",
        contract.vaultEncodedCaCert,
        "Base64 PEM CA of Vault's TLS certificate",
      ),
    );
  }
  if (contract.roleArns?.plan !== undefined) {
    vars.push(env("TFC_VAULT_BACKED_AWS_PLAN_ROLE_ARN", contract.roleArns.plan, "AWS role plans assume"));
  }
  if (contract.roleArns?.apply !== undefined) {
    vars.push(env("TFC_VAULT_BACKED_AWS_APPLY_ROLE_ARN", contract.roleArns.apply, "AWS role applies assume"));
  }
  vars.push(
    {
      key: "prefix",
      value: demo.prefix,
      category: "terraform",
      description: "Demo: name prefix of its AWS resources",
      sensitive: false,
    },
    {
      key: "region",
      value: demo.region,
      category: "terraform",
      description: "Demo: AWS region",
      sensitive: false,
    },
  );
  return vars;
}

export interface DemoWorkspaceArgs {
  readonly organization: pulumi.Input<string>;
  /** Workspace name: the one the JWT roles bind in `sub`. */
  readonly name: pulumi.Input<string>;
  /** Project (`prj-...`) named in the JWT roles' `sub`; absent = the default project. */
  readonly projectId?: pulumi.Input<string>;
  /** The agent pool runs execute on (AgentPool.poolId). */
  readonly agentPoolId: pulumi.Input<string>;
  readonly vcsRepo: tfc.VcsRepoArgs;
  readonly workingDirectory?: pulumi.Input<string>;
  readonly terraformVersion?: pulumi.Input<string>;
  readonly autoApply?: pulumi.Input<boolean>;
  /** The demo's Terraform variables. */
  readonly demo: { readonly prefix: pulumi.Input<string>; readonly region: pulumi.Input<string> };
  /** Called once with the new workspace's id; builds the trust and returns the contract. */
  readonly bindHookContract: (workspaceId: pulumi.Output<string>) => HookContract;
}

export class DemoWorkspace extends pulumi.ComponentResource {
  /** The workspace id, once it runs on the pool (WorkspaceExecution's output). */
  public readonly workspaceId: pulumi.Output<string>;
  public readonly htmlUrl: pulumi.Output<string>;
  /** Variable keys in creation order. */
  public readonly variableKeys: string[];

  constructor(name: string, args: DemoWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tfc-jit-aws:tfc:DemoWorkspace", name, {}, opts);

    // No executionMode/agentPoolId: WorkspaceExecution owns them (see the file comment).
    const workspace = new tfc.Workspace(
      `${name}-workspace`,
      {
        organization: args.organization,
        name: args.name,
        projectId: args.projectId,
        description: "tfc-jit-aws demo: AWS credentials from Vault per run phase, via agent hooks",
        terraformVersion: args.terraformVersion,
        workingDirectory: args.workingDirectory,
        autoApply: args.autoApply ?? false,
        queueAllRuns: false,
        vcsRepo: args.vcsRepo,
      },
      { parent: this },
    );
    const access = new tfc.AgentPoolAllowedWorkspaces(
      `${name}-pool-access`,
      { agentPoolId: args.agentPoolId, workspaceIds: [workspace.workspaceId] },
      { parent: this },
    );
    // The pool id is taken from the allow-list's output, not from args: agent mode then cannot
    // be requested before the pool allows the workspace (the API would refuse it with 422),
    // even if the explicit dependsOn were lost in a refactor.
    const execution = new tfc.WorkspaceExecution(
      `${name}-execution`,
      { workspaceId: workspace.workspaceId, executionMode: "agent", agentPoolId: access.agentPoolId },
      { parent: this, dependsOn: [access] },
    );
    this.workspaceId = execution.workspaceId;
    this.htmlUrl = workspace.htmlUrl;

    const contract = args.bindHookContract(this.workspaceId);
    const vars = workspaceVariables(contract, args.demo);
    for (const v of vars) {
      new tfc.Variable(
        `${name}-${v.category}-${v.key}`,
        {
          workspaceId: this.workspaceId,
          key: v.key,
          value: v.value,
          category: v.category,
          sensitive: v.sensitive,
          description: v.description,
        },
        { parent: this },
      );
    }
    this.variableKeys = vars.map((v) => v.key);

    this.registerOutputs({ workspaceId: this.workspaceId, htmlUrl: this.htmlUrl });
  }
}
