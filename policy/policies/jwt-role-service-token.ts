/**
 * JWT roles must issue service tokens: the hooks revoke the token (and with it its leases) at
 * the end of the phase, and batch tokens cannot be revoked.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";

export const jwtRoleServiceToken: ResourceValidationPolicy = {
  name: "jwt-role-service-token",
  description: "Vault JWT roles issue service tokens (token_type = service), which can be revoked.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.jwtAuthBackendRole || args.props.roleType !== "jwt") return;
    const tokenType: unknown = args.props.tokenType;
    if (tokenType !== "service") {
      reportViolation(
        `JWT role ${args.name} issues ${typeof tokenType === "string" ? `"${tokenType}"` : "default-type"} tokens: set tokenType to "service" (batch tokens cannot be revoked at phase end)`,
      );
    }
  },
};
