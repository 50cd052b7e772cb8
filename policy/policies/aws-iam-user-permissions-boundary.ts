/**
 * Users Vault creates for `iam_user` credentials should carry a permissions boundary, so a
 * too-wide role policy (or a later edit to it) still cannot exceed what the boundary allows.
 * Advisory by default: not every account has a boundary policy yet.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";
import { text } from "../lib/values";

export const awsIamUserPermissionsBoundary: ResourceValidationPolicy = {
  name: "aws-iam-user-permissions-boundary",
  description: "Vault AWS roles of type iam_user attach a permissions boundary to the users they create.",
  enforcementLevel: "advisory",
  severity: "medium",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.awsSecretBackendRole) return;
    if ((text(args.props.credentialType) ?? "iam_user") !== "iam_user") return;
    if (text(args.props.permissionsBoundaryArn) === undefined) {
      reportViolation(
        `AWS role ${args.name} creates IAM users without a permissions boundary: set permissionsBoundaryArn`,
      );
    }
  },
};
