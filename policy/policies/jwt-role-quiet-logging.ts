/**
 * `verbose_oidc_logging` makes Vault write the tokens and claims it receives to its debug log:
 * a log line is not a place for credentials. It must stay off on every role of the mount.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";

export const jwtRoleQuietLogging: ResourceValidationPolicy = {
  name: "jwt-role-quiet-logging",
  description: "Vault JWT/OIDC roles keep verbose_oidc_logging off (it logs received tokens and claims).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.jwtAuthBackendRole) return;
    // Anything but an explicit false or absence (Vault's default, off) is refused, strings included.
    const value: unknown = args.props.verboseOidcLogging;
    if (value !== undefined && value !== false) {
      reportViolation(
        `JWT role ${args.name} sets verboseOidcLogging, so Vault's debug log would hold received tokens and claims: set it to false`,
      );
    }
  },
};
