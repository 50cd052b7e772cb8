/**
 * DemoWorkspace: an HCP Terraform workspace that runs on our agent pool, linked to a VCS repo (a
 * fork of hashicorp/hashicat-aws by default), and the workspace variables that carry the hook
 * contract (README.md, "The agent hooks"; docs/hooks.md) plus the demo's own Terraform variables.
 *
 * Order, as HCP Terraform requires for a pool that is not organization-scoped (the pool refuses
 * a workspace it does not allow, and a workspace being created has no id to allow yet):
 * workspace (remote mode) -> the pool allows it (the pool's one allow-list, built by the caller's
 * `allowOnPool` with every onboarded workspace's id) -> agent mode on the pool (WorkspaceExecution,
 * dependsOn the allow-list) -> JWT trust -> variables. The workspace id handed on is the
 * WorkspaceExecution's output, so everything after depends on agent mode being set. The
 * allow-list is created for an organization-scoped pool too: it is harmless there, and narrowing
 * the pool later does not cut the workspace off. The allow-list, agent mode and the hook variables
 * are the same machinery every onboarded workspace uses (onboarded-workspace-tfc.ts).
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
import { hookVariables, type HookContract, type WorkspaceVariable } from "./onboarded-workspace-variables";
import { runOnPool, writeVariables, type PoolAccess } from "./onboarded-workspace-tfc";

export type { HookContract, WorkspaceVariable } from "./onboarded-workspace-variables";

/** The hook contract's variables and the demo's own Terraform variables. */
export function workspaceVariables(
  contract: HookContract,
  demo: { readonly prefix: pulumi.Input<string>; readonly region: pulumi.Input<string> },
): WorkspaceVariable[] {
  return [
    ...hookVariables(contract),
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
  ];
}

export interface DemoWorkspaceArgs {
  readonly organization: pulumi.Input<string>;
  /** Workspace name: the one the JWT roles bind in `sub`. */
  readonly name: pulumi.Input<string>;
  /** Project (`prj-...`) named in the JWT roles' `sub`; absent = the default project. */
  readonly projectId?: pulumi.Input<string>;
  readonly vcsRepo: tfc.VcsRepoArgs;
  readonly workingDirectory?: pulumi.Input<string>;
  readonly terraformVersion?: pulumi.Input<string>;
  readonly autoApply?: pulumi.Input<boolean>;
  /** The demo's Terraform variables. */
  readonly demo: { readonly prefix: pulumi.Input<string>; readonly region: pulumi.Input<string> };
  /**
   * Called once with the new workspace's id; returns the pool's allow-list naming it (and every
   * other onboarded workspace). Agent mode waits for it.
   */
  readonly allowOnPool: (workspaceId: pulumi.Output<string>) => PoolAccess;
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
    // Agent mode takes the pool id from the allow-list's output, not from args: it then cannot
    // be requested before the pool allows the workspace (the API would refuse it with 422).
    this.workspaceId = runOnPool(name, workspace.workspaceId, args.allowOnPool(workspace.workspaceId), this);
    this.htmlUrl = workspace.htmlUrl;

    const contract = args.bindHookContract(this.workspaceId);
    const vars = workspaceVariables(contract, args.demo);
    writeVariables(name, this.workspaceId, vars, this);
    this.variableKeys = vars.map((v) => v.key);

    this.registerOutputs({ workspaceId: this.workspaceId, htmlUrl: this.htmlUrl });
  }
}
