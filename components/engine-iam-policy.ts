/**
 * The IAM policy of the AWS identity the Vault AWS secrets engine itself uses, when Pulumi
 * manages that identity: only the IAM/STS actions the engine needs for the credential types in
 * use, on the names Vault generates (`vault-*`, Vault's default username template). For
 * `iam_user` a permissions boundary is required: CreateUser, PutUserPolicy and AttachUserPolicy
 * are allowed only with the `iam:PermissionsBoundary` condition on it; managed policies and groups
 * are limited to the role's own.
 *
 * The engine's own user is denied every IAM action: `vault-*` under a role's user path could
 * otherwise match it (Pulumi names it `<component>-identity-user-...`, and a component named
 * `vault-...` under the path `/tfc-jit-aws/` does), and PutUserPolicy on itself would let the
 * engine grant itself anything.
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
  /** Managed policies attached to generated users (`iam_user`). */
  readonly policyArns: readonly string[];
  /** IAM groups generated users join (`iam_user`). */
  readonly iamGroups: readonly string[];
  /** Roles the engine assumes (`assumed_role`). */
  readonly roleArns: readonly string[];
}

interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

// What Vault's iam_user path calls on the user itself: create its key and inline policy; on
// revocation list and remove all of that, then delete the user. Attaching managed policies and
// joining groups are granted separately, limited to the role's own policies and groups.
const IAM_USER_ACTIONS = [
  "iam:CreateAccessKey",
  "iam:DeleteAccessKey",
  "iam:DeleteUser",
  "iam:DeleteUserPolicy",
  "iam:GetUser",
  "iam:ListAccessKeys",
  "iam:ListAttachedUserPolicies",
  "iam:ListGroupsForUser",
  "iam:ListUserPolicies",
];

function iamUserStatements(
  role: EngineRoleNeeds,
  i: number,
  partition: string,
  accountId: string,
): Statement[] {
  const users = `arn:${partition}:iam::${accountId}:user${role.userPath}vault-*`;
  if (!role.permissionsBoundaryArn) {
    // A compromised engine (or Vault) must not be able to mint an unbounded user: the boundary is
    // what caps every user it creates, whatever policy it then puts on it.
    throw new Error(
      "a Pulumi-managed engine identity serving iam_user needs a permissions boundary for the generated users",
    );
  }
  // AWS evaluates iam:PermissionsBoundary on the user the request targets: CreateUser must set
  // this boundary, and policies can be put on or attached to a user only while it carries it.
  const bounded = { StringEquals: { "iam:PermissionsBoundary": role.permissionsBoundaryArn } };
  const statements: Statement[] = [
    {
      Sid: `CreateBoundedUsers${i}`,
      Effect: "Allow",
      Action: [
        "iam:CreateUser",
        ...(role.tagsUsers ? ["iam:TagUser"] : []),
        "iam:PutUserPermissionsBoundary",
        "iam:PutUserPolicy",
      ],
      Resource: [users],
      Condition: bounded,
    },
    { Sid: `ManageUsers${i}`, Effect: "Allow", Action: IAM_USER_ACTIONS, Resource: [users] },
  ];
  if (role.policyArns.length > 0) {
    // Only the role's own managed policies (never, say, AdministratorAccess), on bounded users.
    statements.push({
      Sid: `AttachRolePolicies${i}`,
      Effect: "Allow",
      Action: ["iam:AttachUserPolicy"],
      Resource: [users],
      Condition: { ...bounded, ArnEquals: { "iam:PolicyARN": [...role.policyArns] } },
    });
    statements.push({
      Sid: `DetachRolePolicies${i}`,
      Effect: "Allow",
      Action: ["iam:DetachUserPolicy"],
      Resource: [users],
      Condition: { ArnEquals: { "iam:PolicyARN": [...role.policyArns] } },
    });
  }
  if (role.iamGroups.length > 0) {
    // Group membership is authorised on the group: only the role's own groups, at any IAM path.
    statements.push({
      Sid: `JoinRoleGroups${i}`,
      Effect: "Allow",
      Action: ["iam:AddUserToGroup", "iam:RemoveUserFromGroup"],
      Resource: role.iamGroups.flatMap((g) => [
        `arn:${partition}:iam::${accountId}:group/${g}`,
        `arn:${partition}:iam::${accountId}:group/*/${g}`,
      ]),
    });
  }
  return statements;
}

/**
 * Builds the engine identity's policy document for `partition` and `accountId`; `selfArn` is the
 * engine's own IAM user, which the policy never lets it change.
 */
export function engineIdentityPolicy(
  roles: readonly EngineRoleNeeds[],
  partition: string,
  accountId: string,
  selfArn: string,
): string {
  const statements = roles.flatMap((role, i): Statement[] => {
    if (role.credentialType === "iam_user") return iamUserStatements(role, i, partition, accountId);
    if (role.credentialType === "assumed_role") {
      if (role.roleArns.length === 0) throw new Error("assumed_role needs at least one role ARN");
      return [
        { Sid: `AssumeRoles${i}`, Effect: "Allow", Action: ["sts:AssumeRole"], Resource: [...role.roleArns] },
      ];
    }
    throw new Error(
      `a Pulumi-managed engine identity cannot serve ${role.credentialType} credentials (they inherit the engine's own permissions)`,
    );
  });
  // An explicit Deny wins over every Allow above, whatever the user paths and names turn out to be.
  statements.push({ Sid: "NeverSelf", Effect: "Deny", Action: ["iam:*"], Resource: [selfArn] });
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
