/**
 * An agent-mode workspace needs `TFC_WORKLOAD_IDENTITY_AUDIENCE` (an env variable) or HCP
 * Terraform injects no workload identity token and the pre hooks cannot log in to Vault: every
 * run would fail at the first hook. A stack policy, because the variable is its own resource:
 * it belongs to a workspace when its `workspaceId` depends on that workspace (or, once known,
 * equals its id).
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";
import { text } from "../lib/values";

const AUDIENCE = "TFC_WORKLOAD_IDENTITY_AUDIENCE";

function belongsTo(variable: PolicyResource, workspace: PolicyResource): boolean {
  if ((variable.propertyDependencies.workspaceId ?? []).some((d) => d.urn === workspace.urn)) return true;
  const id = text(workspace.props.workspaceId);
  return id !== undefined && text(variable.props.workspaceId) === id;
}

export const tfcWorkspaceIdentityAudience: StackValidationPolicy = {
  name: "tfc-workspace-identity-audience",
  description: "Agent-mode HCP Terraform workspaces set the env variable TFC_WORKLOAD_IDENTITY_AUDIENCE.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateStack: (args, reportViolation) => {
    const workspaces = args.resources.filter(
      (r) => r.type === TYPES.tfcWorkspace && r.props.executionMode === "agent",
    );
    const audiences = args.resources.filter(
      (r) =>
        r.type === TYPES.tfcVariable &&
        r.props.key === AUDIENCE &&
        r.props.category === "env" &&
        text(r.props.value) !== undefined,
    );
    for (const ws of workspaces) {
      if (!audiences.some((v) => belongsTo(v, ws))) {
        reportViolation(
          `Agent-mode workspace ${ws.name} has no env variable ${AUDIENCE}: add one, or HCP Terraform injects no identity token and every run fails`,
          ws.urn,
        );
      }
    }
  },
};
