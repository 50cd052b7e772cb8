/**
 * Turns the validated Vault-side configuration (config/vault.ts) into the two components' args,
 * so index.ts stays wiring only:
 *
 *   const side = readVaultSide(reader); reader.throwIfInvalid();
 *   const engine = new VaultAwsEngine("vault-aws", vaultAwsEngineArgs(side));
 *   const trust = new TfcJwtTrust("tfc-trust", tfcJwtTrustArgs(side, engine, workspace.id));
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PhaseSettings, VaultSide } from "../config/vault";
import type { VaultAwsEngineArgs, VaultAwsEngineRoleArgs } from "./vault-aws-engine";
import type { EntryBinding, TfcJwtTrustArgs } from "./tfc-jwt-trust";
import type { OnboardedEntry, TaggedAwsConfiguration } from "../config/workspaces";
import type { OnboardedWorkspaceArgs, TaggedConfigurationArgs } from "./onboarded-workspace";
import type { SharedHookSettings } from "./onboarded-workspace-variables";
import type { PoolAccess } from "./onboarded-workspace-tfc";

export function roleArgs(p: PhaseSettings): VaultAwsEngineRoleArgs {
  // The Terraform Vault provider behind @pulumi/vault refuses default_sts_ttl/max_sts_ttl unless
  // the type is assumed_role or federation_token (vault/resource_aws_secret_backend_role.go), so
  // a session_token role never gets them: its credentials then live as long as the request's
  // `ttl` or, without one, Vault's default of 3600 s (docs/upstream-behaviour.md#vault-aws-secrets-engine).
  const sts =
    (p.credentialType === "assumed_role" || p.credentialType === "federation_token") &&
    p.stsTtlSeconds !== undefined;
  return {
    credentialType: p.credentialType,
    ...(p.policyDocument !== undefined ? { policyDocument: p.policyDocument } : {}),
    ...(p.policyArns.length > 0 ? { policyArns: p.policyArns } : {}),
    ...(p.roleArns.length > 0 ? { roleArns: p.roleArns } : {}),
    ...(p.iamGroups.length > 0 ? { iamGroups: p.iamGroups } : {}),
    ...(p.userPath !== undefined ? { userPath: p.userPath } : {}),
    ...(p.permissionsBoundaryArn !== undefined ? { permissionsBoundaryArn: p.permissionsBoundaryArn } : {}),
    // One fixed lifetime: the hooks never ask for another.
    ...(sts ? { defaultStsTtlSeconds: p.stsTtlSeconds, maxStsTtlSeconds: p.stsTtlSeconds } : {}),
  };
}

export function vaultAwsEngineArgs(
  side: VaultSide,
  entries: readonly OnboardedEntry[] = [],
): VaultAwsEngineArgs {
  const e = side.engine;
  return {
    mountPath: e.mountPath,
    roleNamePrefix: e.roleNamePrefix,
    region: e.region,
    ...(e.iamEndpoint ? { iamEndpoint: e.iamEndpoint } : {}),
    ...(e.stsEndpoint ? { stsEndpoint: e.stsEndpoint } : {}),
    ...(e.rootKeys ? { accessKey: e.rootKeys.accessKey, secretKey: e.rootKeys.secretKey } : {}),
    defaultLeaseTtlSeconds: e.defaultLeaseTtlSeconds,
    maxLeaseTtlSeconds: e.maxLeaseTtlSeconds,
    rotateRootKey: e.rotateRootKey,
    manageEngineIdentity: e.manageEngineIdentity,
    plan: roleArgs(side.phases.plan),
    apply: roleArgs(side.phases.apply),
    ...(entries.length > 0
      ? {
          otherRoles: entries.flatMap((entry) =>
            [entry, ...entry.awsConfigurations].flatMap((c) => [
              roleArgs(c.phases.plan),
              roleArgs(c.phases.apply),
            ]),
          ),
        }
      : {}),
  };
}

export function tfcJwtTrustArgs(
  side: VaultSide,
  engine: { policyNames: { plan: pulumi.Input<string>; apply: pulumi.Input<string> } },
  workspaceId?: pulumi.Input<string>,
): TfcJwtTrustArgs {
  return {
    authPath: side.trust.authPath,
    tfcAddress: side.tfc.address,
    ...(side.tfc.discoveryCaPem ? { discoveryCaPem: side.tfc.discoveryCaPem } : {}),
    organization: side.tfc.organization,
    project: side.tfc.project,
    workspace: side.tfc.workspace,
    ...(workspaceId !== undefined ? { workspaceId } : {}),
    audience: side.trust.audience,
    roleNamePrefix: side.engine.roleNamePrefix,
    policyNames: engine.policyNames,
    tokenTtlSeconds: { plan: side.phases.plan.tokenTtlSeconds, apply: side.phases.apply.tokenTtlSeconds },
  };
}

/** Who an entry trusts, for its JWT roles' bound claims. */
export function entryBinding(side: VaultSide, entry: OnboardedEntry): EntryBinding {
  const organization = side.tfc.organization;
  if (entry.kind === "project") {
    // config/workspaces.ts requires projectId for a project entry.
    return { kind: "project", organization, project: entry.project, projectId: entry.projectId ?? "" };
  }
  return {
    kind: "workspace",
    organization,
    project: entry.project,
    workspace: entry.workspace ?? "",
    workspaceId: entry.workspaceId ?? "",
    ...(entry.projectId !== undefined ? { projectId: entry.projectId } : {}),
  };
}

/** The onboarded entry's args but its variable sets (variableSets), which the stack adds: it owns the shared set. */
export function onboardedWorkspaceArgs(
  side: VaultSide,
  entry: OnboardedEntry,
  shared: SharedHookSettings,
  poolAccess: PoolAccess | undefined,
): Omit<OnboardedWorkspaceArgs, "variableSets"> {
  const planArn = entry.phases.plan.roleArns[0];
  const applyArn = entry.phases.apply.roleArns[0];
  const tagged = entry.awsConfigurations.map((t) => taggedConfigurationArgs(side, t));
  return {
    binding: entryBinding(side, entry),
    roleNames: entry.roleNames,
    roles: { plan: roleArgs(entry.phases.plan), apply: roleArgs(entry.phases.apply) },
    credentialType: entry.credentialType,
    ...(planArn !== undefined || applyArn !== undefined
      ? {
          roleArns: {
            ...(planArn !== undefined ? { plan: planArn } : {}),
            ...(applyArn !== undefined ? { apply: applyArn } : {}),
          },
        }
      : {}),
    tokenTtlSeconds: { plan: entry.phases.plan.tokenTtlSeconds, apply: entry.phases.apply.tokenTtlSeconds },
    audience: side.trust.audience,
    shared,
    ...(entry.kind === "workspace" && poolAccess !== undefined ? { poolAccess } : {}),
    ...(tagged.length > 0 ? { tagged } : {}),
  };
}

/** The role ARNs of a phase pair, as the hook variables take them (assumed_role only). */
function roleArnPair(
  phases: TaggedAwsConfiguration["phases"],
): { plan?: string; apply?: string } | undefined {
  const plan = phases.plan.roleArns[0];
  const apply = phases.apply.roleArns[0];
  if (plan === undefined && apply === undefined) return undefined;
  return { ...(plan !== undefined ? { plan } : {}), ...(apply !== undefined ? { apply } : {}) };
}

/** One tagged configuration's args: its roles on the shared mount, named by its tag. */
export function taggedConfigurationArgs(side: VaultSide, t: TaggedAwsConfiguration): TaggedConfigurationArgs {
  const roleArns = roleArnPair(t.phases);
  return {
    tag: t.tag,
    roleNames: t.roleNames,
    roles: { plan: roleArgs(t.phases.plan), apply: roleArgs(t.phases.apply) },
    credentialType: t.credentialType,
    ...(roleArns !== undefined ? { roleArns } : {}),
    // The hooks' built-in mount is `aws` (docs/hooks.md); any other mount must be named per tag.
    ...(side.engine.mountPath !== "aws" ? { mountPath: side.engine.mountPath } : {}),
  };
}
