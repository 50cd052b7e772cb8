/**
 * A JWT role must name the audience its tokens carry. Without `bound_audiences` Vault accepts a
 * workload identity token minted for any other relying party of the same issuer.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";
import { texts } from "../lib/values";

export const jwtRoleAudienceBound: ResourceValidationPolicy = {
  name: "jwt-role-audience-bound",
  description: "Vault JWT roles bind the token audience (bound_audiences), literally.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.jwtAuthBackendRole || args.props.roleType !== "jwt") return;
    const audiences = texts(args.props.boundAudiences);
    if (audiences.filter((a) => a.trim() !== "").length === 0) {
      reportViolation(
        `JWT role ${args.name} binds no audience: set boundAudiences to the workspace's TFC_WORKLOAD_IDENTITY_AUDIENCE`,
      );
      return;
    }
    for (const audience of audiences.filter((a) => a.includes("*"))) {
      reportViolation(
        `JWT role ${args.name} binds audience "${audience}", a glob: bind the exact TFC_WORKLOAD_IDENTITY_AUDIENCE value`,
      );
    }
  },
};
