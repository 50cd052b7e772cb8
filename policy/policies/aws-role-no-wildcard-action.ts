/** No Vault AWS role hands out credentials allowed to do everything (`"Action": "*"`). */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { allowStatements, isAllActions } from "../lib/iam-document";
import { TYPES } from "../lib/resource-types";
import { text } from "../lib/values";

export const awsRoleNoWildcardAction: ResourceValidationPolicy = {
  name: "aws-role-no-wildcard-action",
  description: 'Vault AWS roles never allow "Action": "*".',
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.awsSecretBackendRole) return;
    const document = text(args.props.policyDocument);
    if (document === undefined) return;
    for (const s of allowStatements(document) ?? []) {
      if (!s.notAction && s.actions.some(isAllActions)) {
        reportViolation(
          `AWS role ${args.name} allows every action ("*") in statement ${s.index}: list the actions the phase needs`,
        );
      }
    }
  },
};
