/**
 * VaultAwsEngine: Vault's AWS secrets engine, one role per run phase, and the Vault policy each
 * phase's token gets (read that phase's credentials, revoke that phase's leases, nothing else).
 */
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { type CredentialType, type Phase, PHASES } from "./aws-credential-types";
import { phasePolicyName, renderPhasePolicy } from "./vault-policy";
import { createEngineIdentity } from "./engine-identity";
import { RotateRoot } from "../providers/vault/rotate-root";

/**
 * The engine's `username_template`: iam_user names lead with the Vault role name (an onboarded
 * workspace's roles are `<prefix>-<workspace>-<phase>`), then the token's display name
 * (`<jwt mount>-<terraform_full_workspace>`, shortened to `<mount>-<org>.<project>.<workspace>`),
 * cut to 40 characters, then the time and 6 random characters: at most 64, IAM's limit. Vault's
 * default puts the display name first and cuts it at 42, which keeps only the organization and
 * part of the project; federation tokens keep Vault's default name. See
 * docs/upstream-behaviour.md ("Vault AWS secrets engine") and docs/audit-trail.md.
 */
export const IAM_USERNAME_TEMPLATE =
  '{{ if (eq .Type "STS") }}{{ printf "vault-%s-%s" (unix_time) (random 20) | truncate 32 }}{{ else }}' +
  '{{ printf "vault-%s-%s-%s" (printf "%s-%s" (.PolicyName) (.DisplayName | replace "organization_" "" | replace "_project_" "." | replace "_workspace_" ".") | truncate 40) (unix_time) (random 6) | truncate 64 }}{{ end }}';

/** One phase's AWS secrets engine role (`<mount>/roles/<name>`). */
export interface VaultAwsEngineRoleArgs {
  /** Kind of AWS credentials the phase gets; decides the endpoints its Vault policy grants. */
  readonly credentialType: pulumi.Input<CredentialType>;
  /** Inline IAM policy (JSON text) for the credentials. */
  readonly policyDocument?: pulumi.Input<string>;
  /** Managed IAM policy ARNs for the credentials. */
  readonly policyArns?: pulumi.Input<pulumi.Input<string>[]>;
  /** Roles the engine may assume (`assumed_role` only). */
  readonly roleArns?: pulumi.Input<pulumi.Input<string>[]>;
  /** IAM groups generated users join (`iam_user`) or whose policies filter STS credentials. */
  readonly iamGroups?: pulumi.Input<pulumi.Input<string>[]>;
  /** IAM path of generated users (`iam_user`), e.g. `/tfc/`. */
  readonly userPath?: pulumi.Input<string>;
  /** Permissions boundary attached to generated users (`iam_user`). */
  readonly permissionsBoundaryArn?: pulumi.Input<string>;
  /** Tags on generated users (`iam_user`). */
  readonly iamTags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Default STS credential lifetime in seconds (STS types). */
  readonly defaultStsTtlSeconds?: pulumi.Input<number>;
  /** Maximum STS credential lifetime in seconds (STS types). */
  readonly maxStsTtlSeconds?: pulumi.Input<number>;
}

export interface VaultAwsEngineArgs {
  /** Mount path of the AWS secrets engine, without leading or trailing `/` (default `aws`). */
  readonly mountPath?: pulumi.Input<string>;
  /** Prefix of the per-phase role names: `<prefix>-plan`, `<prefix>-apply` (default `tfc`). */
  readonly roleNamePrefix?: pulumi.Input<string>;
  /** AWS region for the engine's IAM/STS calls (default `us-east-1`). */
  readonly region?: pulumi.Input<string>;
  /** Custom IAM endpoint URL. */
  readonly iamEndpoint?: pulumi.Input<string>;
  /** Custom STS endpoint URL. */
  readonly stsEndpoint?: pulumi.Input<string>;
  /** Root access key id; without root keys Vault uses its own ambient AWS credentials. */
  readonly accessKey?: pulumi.Input<string>;
  /** Root secret access key (kept secret end to end). */
  readonly secretKey?: pulumi.Input<string>;
  /** Default lease TTL of the mount, in seconds. */
  readonly defaultLeaseTtlSeconds: pulumi.Input<number>;
  /** Maximum lease TTL of the mount, in seconds. */
  readonly maxLeaseTtlSeconds: pulumi.Input<number>;
  /** The plan phase's role (read-only by default). */
  readonly plan: VaultAwsEngineRoleArgs;
  /** The apply phase's role. */
  readonly apply: VaultAwsEngineRoleArgs;
  /**
   * Rotate the root key once after configuring it, so only Vault knows it. A plain boolean: it
   * decides which resources exist (a plain mount plus RotateRoot, the only writer of
   * `config/root`, username template included). Needs root keys; refused with a managed
   * identity. Region, endpoints and the template cannot change afterwards without a fresh key.
   */
  readonly rotateRootKey?: boolean;
  /**
   * Create the engine's own IAM user and key with Pulumi (least privilege for the roles' needs).
   * A plain boolean: it decides whether resources exist. Supports `iam_user` and `assumed_role`.
   */
  readonly manageEngineIdentity?: boolean;
  /**
   * The roles other components create on this mount (onboarded workspaces, createEngineRole):
   * a managed identity must be allowed what they need too.
   */
  readonly otherRoles?: readonly VaultAwsEngineRoleArgs[];
}

/**
 * Fails before any resource is registered on combinations that cannot work: rotating a key
 * nobody configured, or rotating a key Pulumi manages (after rotate-root the key in Pulumi's
 * state is deleted in AWS and the next update would write it back).
 */
export function checkEngineArgs(args: VaultAwsEngineArgs): void {
  const hasKeys = args.accessKey !== undefined || args.secretKey !== undefined;
  if (args.manageEngineIdentity && hasKeys) {
    throw new Error(
      "VaultAwsEngine: accessKey/secretKey and manageEngineIdentity are exclusive: drop the root keys, or set manageEngineIdentity to false",
    );
  }
  if ((args.accessKey === undefined) !== (args.secretKey === undefined)) {
    throw new Error("VaultAwsEngine: accessKey and secretKey go together: set both, or neither");
  }
  if (args.rotateRootKey && args.manageEngineIdentity) {
    throw new Error(
      "VaultAwsEngine: rotateRootKey cannot rotate a Pulumi-managed key (Pulumi would restore the deleted key): set one of them to false",
    );
  }
  if (args.rotateRootKey && !hasKeys) {
    throw new Error(
      "VaultAwsEngine: rotateRootKey needs root keys to rotate (Vault's ambient credentials cannot be rotated): set accessKey and secretKey, or rotateRootKey to false",
    );
  }
}

type PerPhase<T> = { plan: T; apply: T };

export class VaultAwsEngine extends pulumi.ComponentResource {
  /** Where the AWS secrets engine is mounted. */
  public readonly mountPath: pulumi.Output<string>;
  /** AWS secrets engine role per phase. */
  public readonly roleNames: PerPhase<pulumi.Output<string>>;
  /** Vault policy per phase (give it to that phase's JWT role). */
  public readonly policyNames: PerPhase<pulumi.Output<string>>;
  /** Credential type per phase (the hooks' `TFC_VAULT_BACKED_AWS_AUTH_TYPE`). */
  public readonly credentialTypes: PerPhase<pulumi.Output<CredentialType>>;

  constructor(name: string, args: VaultAwsEngineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tfc-jit-aws:vault:VaultAwsEngine", name, {}, opts);
    checkEngineArgs(args);

    const identity = args.manageEngineIdentity
      ? createEngineIdentity(`${name}-identity`, [args.plan, args.apply, ...(args.otherRoles ?? [])], this)
      : undefined;
    const accessKey = identity?.accessKeyId ?? args.accessKey;
    const secretKey = identity?.secretAccessKey ?? args.secretKey;

    const description = "tfc-jit-aws: just-in-time AWS credentials for HCP Terraform runs";
    if (args.rotateRootKey) {
      // With rotation, `config/root` has exactly one writer: RotateRoot, which writes the key once
      // and rotates it. The mount is a plain mount, because the provider's aws.SecretBackend
      // rewrites config/root (with the deleted key) whenever region or an endpoint changes.
      const mount = new vault.Mount(
        `${name}-mount`,
        {
          path: args.mountPath ?? "aws",
          type: "aws",
          description,
          defaultLeaseTtlSeconds: args.defaultLeaseTtlSeconds,
          maxLeaseTtlSeconds: args.maxLeaseTtlSeconds,
        },
        { parent: this },
      );
      this.mountPath = mount.path;
      new RotateRoot(
        `${name}-rotate-root`,
        {
          mountPath: this.mountPath,
          // checkEngineArgs guarantees both keys with rotateRootKey.
          accessKey: accessKey!,
          secretKey: secretKey!,
          region: args.region ?? "us-east-1",
          ...(args.iamEndpoint !== undefined ? { iamEndpoint: args.iamEndpoint } : {}),
          ...(args.stsEndpoint !== undefined ? { stsEndpoint: args.stsEndpoint } : {}),
          usernameTemplate: IAM_USERNAME_TEMPLATE,
        },
        { parent: this, dependsOn: [mount] },
      );
    } else {
      const backend = new vault.aws.SecretBackend(
        `${name}-backend`,
        {
          path: args.mountPath ?? "aws",
          description,
          region: args.region ?? "us-east-1",
          iamEndpoint: args.iamEndpoint,
          stsEndpoint: args.stsEndpoint,
          // Secret whatever the caller passed, so the keys are encrypted in state and masked in logs.
          accessKey: accessKey === undefined ? undefined : pulumi.secret(accessKey),
          secretKey: secretKey === undefined ? undefined : pulumi.secret(secretKey),
          defaultLeaseTtlSeconds: args.defaultLeaseTtlSeconds,
          maxLeaseTtlSeconds: args.maxLeaseTtlSeconds,
          usernameTemplate: IAM_USERNAME_TEMPLATE,
        },
        { parent: this },
      );
      // The provider echoes the path it mounted; `aws` is Vault's own default when none was sent.
      this.mountPath = backend.path.apply((p) => p ?? "aws");
    }

    const prefix = args.roleNamePrefix ?? "tfc";
    const roles = {} as PerPhase<pulumi.Output<string>>;
    const policies = {} as PerPhase<pulumi.Output<string>>;
    const types = {} as PerPhase<pulumi.Output<CredentialType>>;
    for (const phase of PHASES) {
      const made = createEngineRole(
        name,
        phase,
        pulumi.interpolate`${prefix}-${phase}`,
        this.mountPath,
        args[phase],
        {
          parent: this,
        },
      );
      roles[phase] = made.roleName;
      policies[phase] = made.policyName;
      types[phase] = made.credentialType;
    }
    this.roleNames = roles;
    this.policyNames = policies;
    this.credentialTypes = types;

    this.registerOutputs({
      mountPath: this.mountPath,
      roleNames: this.roleNames,
      policyNames: this.policyNames,
      credentialTypes: this.credentialTypes,
    });
  }
}

/** What createEngineRole made: the role's and policy's names as Vault has them. */
export interface EngineRole {
  readonly roleName: pulumi.Output<string>;
  readonly policyName: pulumi.Output<string>;
  readonly credentialType: pulumi.Output<CredentialType>;
}

/**
 * One phase's AWS secrets engine role and the Vault policy its token gets (read that role's
 * credentials, revoke and look up its leases, nothing else). The demo's roles (VaultAwsEngine)
 * and every onboarded entry's (OnboardedWorkspace) are built here. Children are
 * `${stem}-${phase}-role` and `${stem}-${phase}-policy`.
 */
export function createEngineRole(
  stem: string,
  phase: Phase,
  roleName: pulumi.Input<string>,
  mountPath: pulumi.Output<string>,
  role: VaultAwsEngineRoleArgs,
  opts: pulumi.CustomResourceOptions,
): EngineRole {
  const awsRole = new vault.aws.SecretBackendRole(
    `${stem}-${phase}-role`,
    {
      backend: mountPath,
      name: roleName,
      credentialType: role.credentialType,
      policyDocument: role.policyDocument,
      policyArns: role.policyArns,
      roleArns: role.roleArns,
      iamGroups: role.iamGroups,
      userPath: role.userPath,
      permissionsBoundaryArn: role.permissionsBoundaryArn,
      iamTags: role.iamTags,
      defaultStsTtl: role.defaultStsTtlSeconds,
      maxStsTtl: role.maxStsTtlSeconds,
    },
    opts,
  );
  const credentialType = pulumi.output(role.credentialType);
  const policy = new vault.Policy(
    `${stem}-${phase}-policy`,
    {
      name: pulumi.all([mountPath, awsRole.name]).apply(([mount, name]) => phasePolicyName(mount, name)),
      policy: pulumi
        .all([mountPath, awsRole.name, credentialType])
        .apply(([mount, name, type]) => renderPhasePolicy(mount, name, type, phase)),
    },
    opts,
  );
  return { roleName: awsRole.name, policyName: policy.name, credentialType };
}
