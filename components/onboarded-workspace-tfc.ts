/**
 * The HCP Terraform side of onboarding a workspace, shared by the demo workspace and every
 * onboarded entry:
 *
 *   the pool's ONE allow-list (all onboarded workspace ids) -> agent mode on the pool for each
 *   workspace (WorkspaceExecution, after the allow-list) -> the hook variables.
 *
 * One allow-list for the whole pool, not one per workspace: HCP Terraform's allow-list is one
 * relationship that every writer reads and rewrites whole (docs/upstream-behaviour.md, agent
 * pools), so several resources editing it in parallel during one `up` would undo each other.
 * Offboarding an entry updates this one resource in place.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tfc from "../providers/tfc";
import type { WorkspaceVariable } from "./onboarded-workspace-variables";

/** A pool's allow-list, for what must wait for it. */
export interface PoolAccess {
  /** The pool id, taken from the allow-list's output so agent mode cannot be requested before it. */
  readonly agentPoolId: pulumi.Output<string>;
  readonly allowList: pulumi.Resource;
}

/** The pool's allow-list, naming every onboarded workspace. */
export function poolAllowList(
  name: string,
  agentPoolId: pulumi.Input<string>,
  workspaceIds: pulumi.Input<string>[],
  opts: pulumi.CustomResourceOptions = {},
): PoolAccess {
  const allowList = new tfc.AgentPoolAllowedWorkspaces(name, { agentPoolId, workspaceIds }, opts);
  return { agentPoolId: allowList.agentPoolId, allowList };
}

/**
 * Puts a workspace in agent mode on the pool once the pool allows it; returns the workspace id
 * as the execution's output, so what uses it (JWT roles, variables) comes after agent mode.
 * Deleting it (offboarding) puts the workspace back in remote mode.
 */
export function runOnPool(
  stem: string,
  workspaceId: pulumi.Input<string>,
  access: PoolAccess,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const execution = new tfc.WorkspaceExecution(
    `${stem}-execution`,
    { workspaceId, executionMode: "agent", agentPoolId: access.agentPoolId },
    { parent, dependsOn: [access.allowList] },
  );
  return execution.workspaceId;
}

/** Writes `vars` to the workspace: children `${stem}-${category}-${key}`. */
export function writeVariables(
  stem: string,
  workspaceId: pulumi.Input<string>,
  vars: readonly WorkspaceVariable[],
  parent: pulumi.Resource,
): void {
  for (const v of vars) {
    new tfc.Variable(
      `${stem}-${v.category}-${v.key}`,
      {
        workspaceId,
        key: v.key,
        value: v.value,
        category: v.category,
        sensitive: v.sensitive,
        description: v.description,
      },
      { parent },
    );
  }
}
