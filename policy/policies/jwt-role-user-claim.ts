/**
 * `user_claim` names the Vault entity alias; with a stable, run-identifying claim the audit log
 * shows which workspace a token belongs to.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";
import { text } from "../lib/values";

export const jwtRoleUserClaim: ResourceValidationPolicy = {
  name: "jwt-role-user-claim",
  description: "Vault JWT roles set user_claim, so tokens map to an identifiable entity alias.",
  enforcementLevel: "mandatory",
  severity: "medium",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.jwtAuthBackendRole || args.props.roleType !== "jwt") return;
    if (text(args.props.userClaim) === undefined) {
      reportViolation(
        `JWT role ${args.name} sets no userClaim: set it, e.g. to terraform_full_workspace, so the audit log names the workspace`,
      );
    }
  },
};
