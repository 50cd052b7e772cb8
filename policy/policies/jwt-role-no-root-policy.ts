/**
 * A run's token gets its phase policy (and `default`), never Vault's built-in `root` policy,
 * which allows everything on every path: one leaked workload identity token would own Vault.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";
import { texts } from "../lib/values";

export const jwtRoleNoRootPolicy: ResourceValidationPolicy = {
  name: "jwt-role-no-root-policy",
  description: "Vault JWT roles never give their tokens the root policy.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.jwtAuthBackendRole) return;
    // Vault lower-cases policy names, so "Root" is root too.
    if (texts(args.props.tokenPolicies).some((p) => p.trim().toLowerCase() === "root")) {
      reportViolation(
        `JWT role ${args.name} gives its tokens the root policy (everything in Vault): list only the phase's own policy in tokenPolicies`,
      );
    }
  },
};
