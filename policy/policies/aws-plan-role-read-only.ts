/**
 * The plan phase runs code from any branch (speculative plans, pull requests): its credentials
 * must not be able to change anything. A plan role passes only when every grant it attaches is
 * provably read-only:
 * - its inline policyDocument allows read verbs only (no `NotAction`, no `s3:*`), and none of
 *   the read actions known to return secrets (`sts:GetFederationToken`, `ec2:GetPasswordData`,
 *   user data through `ec2:Describe*`...: iam-document.ts) unless the same document denies them
 *   on every resource;
 * - managed policy ARNs and IAM groups cannot be read from here, so only allow-listed ones pass;
 * - an `assumed_role` without any session policy gets the whole target role, and
 *   `session_token` credentials carry the engine's own permissions: neither can be shown
 *   read-only.
 * Plan roles are recognised by name (the program names them `<prefix>-plan`).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
  allowStatements,
  isReadOnlyAction,
  secretsAllowedBy,
  unconditionalDenies,
} from "../lib/iam-document";
import { TYPES } from "../lib/resource-types";
import { settingsOf } from "../lib/settings";
import { text, texts } from "../lib/values";

export interface PlanRoleSettings {
  /** Regular expression a plan role's name matches. */
  planRoleNamePattern: string;
  /** Managed policies known to be read-only. */
  readOnlyPolicyArns: string[];
}

const DEFAULTS: PlanRoleSettings = {
  planRoleNamePattern: "(^|[-_])plan$",
  readOnlyPolicyArns: [
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
    "arn:aws:iam::aws:policy/SecurityAudit",
  ],
};

export const awsPlanRoleReadOnly: ResourceValidationPolicy = {
  name: "aws-plan-role-read-only",
  description: "The plan phase's Vault AWS role grants read-only actions only.",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: {
    properties: {
      planRoleNamePattern: {
        type: "string",
        default: DEFAULTS.planRoleNamePattern,
        description: "Regular expression matching the names of plan-phase AWS secrets engine roles.",
      },
      readOnlyPolicyArns: {
        type: "array",
        items: { type: "string" },
        default: DEFAULTS.readOnlyPolicyArns,
        description: "Managed policy ARNs accepted as read-only on plan roles.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.awsSecretBackendRole) return;
    const settings = settingsOf(args, DEFAULTS);
    const name = text(args.props.name) ?? "";
    if (!new RegExp(settings.planRoleNamePattern).test(name)) return;
    const role = `Plan role ${args.name} ("${name}")`;
    const type = text(args.props.credentialType) ?? "iam_user";
    const document = text(args.props.policyDocument);
    const arns = texts(args.props.policyArns);
    const groups = texts(args.props.iamGroups);

    if (type === "session_token") {
      reportViolation(
        `${role} issues session_token credentials, which carry the engine's own permissions: use iam_user or assumed_role with a read-only policyDocument`,
      );
      return;
    }
    if (type === "assumed_role" && document === undefined && arns.length === 0 && groups.length === 0) {
      reportViolation(
        `${role} assumes its target role with no session policy, so the plan gets the role's full permissions: add a read-only policyDocument`,
      );
    }
    if (document !== undefined) {
      const statements = allowStatements(document);
      if (statements === undefined) {
        reportViolation(`${role} has a policyDocument that is not an IAM policy: fix the JSON`);
      } else {
        for (const s of statements.filter((st) => st.notAction)) {
          reportViolation(
            `${role} allows NotAction in statement ${s.index}, which grants every other action: list read actions instead`,
          );
        }
        const writes = statements.filter((st) => !st.notAction).flatMap((st) => st.actions);
        const notReadOnly = [...new Set(writes.filter((a) => !isReadOnlyAction(a)))];
        if (notReadOnly.length > 0) {
          reportViolation(
            `${role} allows write-looking actions ${notReadOnly.join(", ")}: grant only Describe/Get/List-style actions to the plan phase`,
          );
        }
        const denied = unconditionalDenies(document);
        const secrets = [
          ...new Set(writes.filter(isReadOnlyAction).flatMap((a) => secretsAllowedBy(a, denied))),
        ];
        if (secrets.length > 0) {
          reportViolation(
            `${role} allows actions that return secrets ${secrets.join(", ")}: remove them, or Deny them on "*" in the same policyDocument`,
          );
        }
      }
    }
    const unknownArns = arns.filter((a) => !settings.readOnlyPolicyArns.includes(a));
    if (unknownArns.length > 0) {
      reportViolation(
        `${role} attaches managed policies ${unknownArns.join(", ")}, which cannot be checked as read-only: use a read-only policyDocument, or add them to readOnlyPolicyArns in the policy config`,
      );
    }
    if (groups.length > 0) {
      reportViolation(
        `${role} adds IAM groups ${groups.join(", ")}, whose permissions cannot be checked as read-only: use a read-only policyDocument instead`,
      );
    }
  },
};
