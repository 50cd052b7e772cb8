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
 *
 * The variable may also come from an HCP Terraform variable set (how onboarded workspaces get
 * the shared hook settings): a VariableSetVariable counts for a workspace when a
 * VariableSetAttachment of the same set (same `variableSetId` value, or both depending on the same
 * VariableSet) targets that workspace, by the same rule as a variable, or targets the project a
 * Workspace resource names. The policy checks the union of both sources; nothing else counts.
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

function setDependencies(r: PolicyResource): string[] {
  return (r.propertyDependencies.variableSetId ?? []).map((d) => d.urn);
}

/** Both name the same variable set: the same id once known, or the same VariableSet resource. */
function sameSet(a: PolicyResource, b: PolicyResource): boolean {
  const id = text(a.props.variableSetId);
  if (id !== undefined && id === text(b.props.variableSetId)) return true;
  const deps = setDependencies(b);
  return setDependencies(a).some((urn) => deps.includes(urn));
}

/** An attachment applies its set to this workspace: directly, or to the project its Workspace names. */
function attachedTo(attachment: PolicyResource, workspace: AgentModeWorkspace): boolean {
  if (text(attachment.props.workspaceId) !== undefined || workspaceIdDependencies(attachment).length > 0) {
    return belongsTo(attachment, workspace);
  }
  const projectId = text(attachment.props.projectId);
  return projectId !== undefined && text(workspace.resource.props.projectId) === projectId;
}

function isAudience(r: PolicyResource): boolean {
  return r.props.key === AUDIENCE && r.props.category === "env" && text(r.props.value) !== undefined;
}

/** The workspace gets the audience as its own variable or from a variable set applied to it. */
function hasAudience(resources: PolicyResource[], workspace: AgentModeWorkspace): boolean {
  const own = resources.filter((r) => r.type === TYPES.tfcVariable && isAudience(r));
  if (own.some((v) => belongsTo(v, workspace))) return true;
  const inSets = resources.filter((r) => r.type === TYPES.tfcVariableSetVariable && isAudience(r));
  const attachments = resources.filter(
    (r) => r.type === TYPES.tfcVariableSetAttachment && attachedTo(r, workspace),
  );
  return inSets.some((v) => attachments.some((a) => sameSet(v, a)));
}

export const tfcWorkspaceIdentityAudience: StackValidationPolicy = {
  name: "tfc-workspace-identity-audience",
  description: "Agent-mode HCP Terraform workspaces set the env variable TFC_WORKLOAD_IDENTITY_AUDIENCE.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateStack: (args, reportViolation) => {
    for (const ws of agentModeWorkspaces(args.resources)) {
      if (!hasAudience(args.resources, ws)) {
        reportViolation(
          `Agent-mode workspace ${ws.resource.name} has no env variable ${AUDIENCE}: add one, or HCP Terraform injects no identity token and every run fails`,
          ws.resource.urn,
        );
      }
    }
  },
};
