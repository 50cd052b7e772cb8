/**
 * The IAM policy of the AWS identity the Vault AWS secrets engine itself uses, when Pulumi
 * manages that identity: only the IAM/STS actions the engine needs for the credential types in
 * use, on the names Vault generates (`vault-*`, Vault's default username template), and with a
 * permissions-boundary condition on user creation when a boundary is set.
 *
 * Only `iam_user` and `assumed_role` are supported here: `federation_token` and `session_token`
 * credentials carry (a subset of) the engine identity's own permissions, so a least-privilege
 * engine identity would hand out useless credentials. The config validation refuses that mix.
 */
import type { CredentialType } from "./aws-credential-types";

/** What one phase's role needs from the engine identity. */
export interface EngineRoleNeeds {
  readonly credentialType: CredentialType;
  /** IAM path of generated users (`iam_user`), e.g. `/` or `/tfc/`. */
  readonly userPath: string;
  /** Permissions boundary every generated user must carry (`iam_user`). */
  readonly permissionsBoundaryArn?: string;
  /** Whether generated users are tagged (`iam_user` with IAM tags). */
  readonly tagsUsers: boolean;
  /** Roles the engine assumes (`assumed_role`). */
  readonly roleArns: readonly string[];
}

interface Statement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string>>;
}

// What Vault's iam_user path calls: create the user, attach inline/managed policies and groups,
// create its key; on revocation list and remove all of that, then delete the user.
const IAM_USER_ACTIONS = [
  "iam:AddUserToGroup",
  "iam:AttachUserPolicy",
  "iam:CreateAccessKey",
  "iam:DeleteAccessKey",
  "iam:DeleteUser",
  "iam:DeleteUserPolicy",
  "iam:DetachUserPolicy",
  "iam:GetUser",
  "iam:ListAccessKeys",
  "iam:ListAttachedUserPolicies",
  "iam:ListGroupsForUser",
  "iam:ListUserPolicies",
  "iam:PutUserPolicy",
  "iam:RemoveUserFromGroup",
];

/** Builds the engine identity's policy document for `partition` and `accountId`. */
export function engineIdentityPolicy(
  roles: readonly EngineRoleNeeds[],
  partition: string,
  accountId: string,
): string {
  const statements: Statement[] = [];
  roles.forEach((role, i) => {
    if (role.credentialType === "iam_user") {
      const users = `arn:${partition}:iam::${accountId}:user${role.userPath}vault-*`;
      const create = ["iam:CreateUser", ...(role.tagsUsers ? ["iam:TagUser"] : [])];
      if (role.permissionsBoundaryArn) {
        // AWS evaluates iam:PermissionsBoundary on CreateUser: a user without this boundary
        // cannot be created, so a compromised engine cannot mint an unbounded user.
        statements.push({
          Sid: `CreateBoundedUsers${i}`,
          Effect: "Allow",
          Action: [...create, "iam:PutUserPermissionsBoundary"],
          Resource: [users],
          Condition: { StringEquals: { "iam:PermissionsBoundary": role.permissionsBoundaryArn } },
        });
      } else {
        statements.push({ Sid: `CreateUsers${i}`, Effect: "Allow", Action: create, Resource: [users] });
      }
      statements.push({
        Sid: `ManageUsers${i}`,
        Effect: "Allow",
        Action: IAM_USER_ACTIONS,
        Resource: [users],
      });
    } else if (role.credentialType === "assumed_role") {
      if (role.roleArns.length === 0) throw new Error("assumed_role needs at least one role ARN");
      statements.push({
        Sid: `AssumeRoles${i}`,
        Effect: "Allow",
        Action: ["sts:AssumeRole"],
        Resource: [...role.roleArns],
      });
    } else {
      throw new Error(
        `a Pulumi-managed engine identity cannot serve ${role.credentialType} credentials (they inherit the engine's own permissions)`,
      );
    }
  });
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
