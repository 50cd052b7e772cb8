/**
 * The Vault AWS secrets engine's own AWS identity as code: an IAM user whose inline policy
 * allows only what the phases' credential types need (engine-iam-policy.ts), and one access
 * key that configures the engine. Created as children of the VaultAwsEngine.
 *
 * The key's secret lives in Pulumi state (encrypted as a secret). Root-key rotation is refused
 * for this key: after rotate-root it would no longer exist in AWS while Pulumi still manages it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { CredentialType } from "./aws-credential-types";
import { engineIdentityPolicy } from "./engine-iam-policy";

/** The per-phase role settings the identity's permissions derive from. */
export interface EngineIdentityRole {
  readonly credentialType: pulumi.Input<CredentialType>;
  readonly userPath?: pulumi.Input<string>;
  readonly permissionsBoundaryArn?: pulumi.Input<string>;
  readonly iamTags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  readonly roleArns?: pulumi.Input<pulumi.Input<string>[]>;
  readonly policyArns?: pulumi.Input<pulumi.Input<string>[]>;
  readonly iamGroups?: pulumi.Input<pulumi.Input<string>[]>;
}

export interface EngineIdentityKeys {
  readonly accessKeyId: pulumi.Output<string>;
  readonly secretAccessKey: pulumi.Output<string>;
}

/** Creates the engine's IAM user, its policy and key under `parent`; children are `${name}-*`. */
export function createEngineIdentity(
  name: string,
  roles: readonly EngineIdentityRole[],
  parent: pulumi.Resource,
): EngineIdentityKeys {
  const user = new aws.iam.User(
    `${name}-user`,
    { path: "/tfc-jit-aws/", tags: { "managed-by": "tfc-jit-aws", purpose: "vault-aws-secrets-engine" } },
    { parent },
  );
  const partition = aws.getPartitionOutput({}, { parent });
  const caller = aws.getCallerIdentityOutput({}, { parent });
  const needs = roles.map((r) =>
    pulumi
      .all([
        r.credentialType,
        r.userPath,
        r.permissionsBoundaryArn,
        r.iamTags,
        r.roleArns,
        r.policyArns,
        r.iamGroups,
      ])
      .apply(
        ([credentialType, userPath, permissionsBoundaryArn, iamTags, roleArns, policyArns, iamGroups]) => ({
          credentialType,
          userPath: userPath ?? "/",
          ...(permissionsBoundaryArn ? { permissionsBoundaryArn } : {}),
          tagsUsers: iamTags !== undefined && Object.keys(iamTags).length > 0,
          roleArns: roleArns ?? [],
          policyArns: policyArns ?? [],
          iamGroups: iamGroups ?? [],
        }),
      ),
  );
  const policy = new aws.iam.UserPolicy(
    `${name}-policy`,
    {
      user: user.name,
      policy: pulumi
        .all([pulumi.all(needs), partition.partition, caller.accountId, user.arn])
        .apply(([n, p, account, self]) => engineIdentityPolicy(n, p, account, self)),
    },
    { parent },
  );
  // The key waits for the policy so the engine is never configured with a powerless key.
  const key = new aws.iam.AccessKey(`${name}-key`, { user: user.name }, { parent, dependsOn: [policy] });
  return { accessKeyId: pulumi.secret(key.id), secretAccessKey: key.secret };
}
