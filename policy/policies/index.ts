/**
 * Every policy of the pack, in one importable list. Kept apart from `../index.ts` because
 * `new PolicyPack()` starts a gRPC server: tests import this list instead.
 */
import type { Policies } from "@pulumi/policy";
import { agentAutoUpdateDisabled } from "./agent-auto-update-disabled";
import { agentImageByDigest } from "./agent-image-by-digest";
import { agentImagePinned } from "./agent-image-pinned";
import { agentLogLevelQuiet } from "./agent-log-level-quiet";
import { agentSecretsFromSecretStore } from "./agent-secrets-from-secret-store";
import { agentSingleExecution } from "./agent-single-execution";
import { awsEngineLeaseTtl } from "./aws-engine-lease-ttl";
import { awsIamUserPermissionsBoundary } from "./aws-iam-user-permissions-boundary";
import { awsPlanRoleReadOnly } from "./aws-plan-role-read-only";
import { awsRoleNoWildcardAction } from "./aws-role-no-wildcard-action";
import { awsStsTtlBounds } from "./aws-sts-ttl-bounds";
import { jwtAuthDedicatedMount } from "./jwt-auth-dedicated-mount";
import { jwtRoleAudienceBound } from "./jwt-role-audience-bound";
import { jwtRoleNoRootPolicy } from "./jwt-role-no-root-policy";
import { jwtRolePhasePolicies } from "./jwt-role-phase-policies";
import { jwtRoleQuietLogging } from "./jwt-role-quiet-logging";
import { jwtRoleServiceToken } from "./jwt-role-service-token";
import { jwtRoleSubjectBound } from "./jwt-role-subject-bound";
import { jwtRoleTokenTtl } from "./jwt-role-token-ttl";
import { jwtRoleUserClaim } from "./jwt-role-user-claim";
import { secretsStaySecret } from "./secrets-stay-secret";
import { tfcNoStaticAwsKeys } from "./tfc-no-static-aws-keys";
import { tfcWorkspaceIdentityAudience } from "./tfc-workspace-identity-audience";
import { vaultPolicyScopedPaths } from "./vault-policy-scoped-paths";

export const policies: Policies = [
  jwtAuthDedicatedMount,
  jwtRoleAudienceBound,
  jwtRoleSubjectBound,
  jwtRoleServiceToken,
  jwtRoleTokenTtl,
  jwtRoleUserClaim,
  jwtRoleQuietLogging,
  jwtRoleNoRootPolicy,
  jwtRolePhasePolicies,
  awsEngineLeaseTtl,
  awsPlanRoleReadOnly,
  awsRoleNoWildcardAction,
  awsIamUserPermissionsBoundary,
  awsStsTtlBounds,
  vaultPolicyScopedPaths,
  secretsStaySecret,
  agentImagePinned,
  agentImageByDigest,
  agentAutoUpdateDisabled,
  agentSingleExecution,
  agentSecretsFromSecretStore,
  agentLogLevelQuiet,
  tfcWorkspaceIdentityAudience,
  tfcNoStaticAwsKeys,
];
