/**
 * An agent-mode workspace needs `TFC_WORKLOAD_IDENTITY_AUDIENCE` (an env variable) or HCP
 * Terraform injects no workload identity token and the pre hooks cannot log in to Vault: every
 * run would fail at the first hook. A stack policy, because the variable is its own resource.
 *
 * A workspace is in agent mode either on the Workspace resource itself (`executionMode: "agent"`)
 * or through a WorkspaceExecution resource, which is how the program sets it when the pool is
 * restricted to the workspace (the workspace is created in remote mode first). A variable belongs
 * to that workspace when its `workspaceId` depends on the Workspace or on the WorkspaceExecution
 * (or on the Workspace the execution depends on), or, once known, equals the workspace id.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";
import { text } from "../lib/values";

const AUDIENCE = "TFC_WORKLOAD_IDENTITY_AUDIENCE";

/** One agent-mode workspace: the resource that sets the mode, and what identifies the workspace. */
interface AgentModeWorkspace {
  readonly resource: PolicyResource;
  /** URNs a variable's workspaceId may depend on to belong to this workspace. */
  readonly urns: ReadonlySet<string>;
  readonly workspaceId?: string;
}

function workspaceIdDependencies(r: PolicyResource): string[] {
  return (r.propertyDependencies.workspaceId ?? []).map((d) => d.urn);
}

function agentModeWorkspaces(resources: PolicyResource[]): AgentModeWorkspace[] {
  const found: AgentModeWorkspace[] = [];
  for (const r of resources) {
    if (r.props.executionMode !== "agent") continue;
    const workspaceId = text(r.props.workspaceId);
    if (r.type === TYPES.tfcWorkspace) {
      found.push({ resource: r, urns: new Set([r.urn]), ...(workspaceId ? { workspaceId } : {}) });
    } else if (r.type === TYPES.tfcWorkspaceExecution) {
      found.push({
        resource: r,
        urns: new Set([r.urn, ...workspaceIdDependencies(r)]),
        ...(workspaceId ? { workspaceId } : {}),
      });
    }
  }
  return found;
}

function belongsTo(variable: PolicyResource, workspace: AgentModeWorkspace): boolean {
  if (workspaceIdDependencies(variable).some((urn) => workspace.urns.has(urn))) return true;
  return workspace.workspaceId !== undefined && text(variable.props.workspaceId) === workspace.workspaceId;
}

export const tfcWorkspaceIdentityAudience: StackValidationPolicy = {
  name: "tfc-workspace-identity-audience",
  description: "Agent-mode HCP Terraform workspaces set the env variable TFC_WORKLOAD_IDENTITY_AUDIENCE.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateStack: (args, reportViolation) => {
    const audiences = args.resources.filter(
      (r) =>
        r.type === TYPES.tfcVariable &&
        r.props.key === AUDIENCE &&
        r.props.category === "env" &&
        text(r.props.value) !== undefined,
    );
    for (const ws of agentModeWorkspaces(args.resources)) {
      if (!audiences.some((v) => belongsTo(v, ws))) {
        reportViolation(
          `Agent-mode workspace ${ws.resource.name} has no env variable ${AUDIENCE}: add one, or HCP Terraform injects no identity token and every run fails`,
          ws.resource.urn,
        );
      }
    }
  },
};
