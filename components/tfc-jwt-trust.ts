/**
 * TfcJwtTrust: a dedicated Vault JWT auth mount that trusts HCP Terraform's workload identity
 * tokens, and one role per run phase bound to exactly one workspace's phase: the audience, the
 * literal `sub` (organization, project, workspace, run_phase) and, when known, the workspace id.
 */
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { type Phase, PHASES } from "./aws-credential-types";
import { boundProjectSubject, boundSubject } from "./bound-subject";

type PerPhase<T> = { plan: T; apply: T };

export interface TfcJwtTrustArgs {
  /** JWT auth mount path (default `jwt-tfc`): one issuer per mount, so HCP Terraform gets its own. */
  readonly authPath?: pulumi.Input<string>;
  /** HCP Terraform (or TFE) base address, e.g. `https://app.terraform.io`: issuer and discovery URL. */
  readonly tfcAddress: pulumi.Input<string>;
  /** PEM CA bundle for the discovery URL (TFE with a private CA). */
  readonly discoveryCaPem?: pulumi.Input<string>;
  /** HCP Terraform organization name. */
  readonly organization: pulumi.Input<string>;
  /** HCP Terraform project name (may contain spaces). */
  readonly project: pulumi.Input<string>;
  /** HCP Terraform workspace name. */
  readonly workspace: pulumi.Input<string>;
  /** Workspace id (`ws-...`); when given, also bound (ids are stable, names are not). */
  readonly workspaceId?: pulumi.Input<string>;
  /** The token audience (`TFC_WORKLOAD_IDENTITY_AUDIENCE`). */
  readonly audience: pulumi.Input<string>;
  /** Prefix of the per-phase role names: `<prefix>-plan`, `<prefix>-apply` (default `tfc`). */
  readonly roleNamePrefix?: pulumi.Input<string>;
  /** The Vault policy each phase's token gets (VaultAwsEngine.policyNames). */
  readonly policyNames: PerPhase<pulumi.Input<string>>;
  /** Token TTL per phase in seconds; also its maximum (the hooks never renew). */
  readonly tokenTtlSeconds: PerPhase<pulumi.Input<number>>;
  /**
   * Where agents connect to Vault from (`token_bound_cidrs` on both roles: checked at login and on
   * every use of the token). Absent or empty = any address.
   */
  readonly boundCidrs?: pulumi.Input<pulumi.Input<string>[]>;
}

/** Token claims copied into Vault token metadata, so the audit log ties credentials to a run. */
export const CLAIM_MAPPINGS: Readonly<Record<string, string>> = {
  terraform_run_id: "run_id",
  terraform_run_phase: "run_phase",
  terraform_workspace_id: "workspace_id",
};

/** The base address as HCP Terraform writes it in `iss`: no trailing slash. */
export function issuerOf(address: string): string {
  return address.replace(/\/+$/, "");
}

/** The `bound_claims` map for one phase. */
export function phaseBoundClaims(
  names: { organization: string; project: string; workspace: string },
  phase: Phase,
  workspaceId: string | undefined,
): Record<string, string> {
  const claims: Record<string, string> = { sub: boundSubject(names, phase) };
  if (workspaceId !== undefined) {
    // Fail closed: an id that resolved empty must not silently drop the binding.
    if (!/^ws-[A-Za-z0-9]+$/.test(workspaceId)) {
      throw new Error(`TfcJwtTrust: workspaceId "${workspaceId}" is not a workspace id (ws-...)`);
    }
    claims.terraform_workspace_id = workspaceId;
  }
  return claims;
}

/** One run phase's JWT role: who may log in (its bound claims) and what the token gets. */
export interface JwtRoleArgs {
  /** The JWT auth mount (TfcJwtTrust.authPath). */
  readonly authPath: pulumi.Input<string>;
  readonly roleName: pulumi.Input<string>;
  /** The token audience (`TFC_WORKLOAD_IDENTITY_AUDIENCE`). */
  readonly audience: pulumi.Input<string>;
  /** `bound_claims`, glob-matched: phaseBoundClaims or entryBoundClaims. */
  readonly boundClaims: pulumi.Input<Record<string, string>>;
  /** The phase's Vault policy (its default AWS configuration's role). */
  readonly policyName: pulumi.Input<string>;
  /**
   * The same phase's policies of the entry's tagged AWS configurations, which log in with this
   * role too: one policy per engine role, each granting only that role's credentials.
   */
  readonly extraPolicyNames?: readonly pulumi.Input<string>[];
  /** Token TTL in seconds; also its maximum (the hooks never renew). */
  readonly tokenTtlSeconds: pulumi.Input<number>;
  /** Where agents connect from (`token_bound_cidrs`); absent = not bound (docs/network.md). */
  readonly boundCidrs?: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * A JWT role as every phase of every trusted workspace gets it: the demo's (TfcJwtTrust) and
 * each onboarded entry's (OnboardedWorkspace) are built here, so they cannot differ.
 */
export function createJwtRole(
  resourceName: string,
  args: JwtRoleArgs,
  opts: pulumi.CustomResourceOptions,
): vault.jwt.AuthBackendRole {
  return new vault.jwt.AuthBackendRole(
    resourceName,
    {
      backend: args.authPath,
      roleName: args.roleName,
      roleType: "jwt",
      boundAudiences: [args.audience],
      boundClaimsType: "glob",
      boundClaims: args.boundClaims,
      // Values are single literals; never let Vault split them on commas.
      disableBoundClaimsParsing: true,
      userClaim: "terraform_full_workspace",
      claimMappings: { ...CLAIM_MAPPINGS },
      // Said, not defaulted: with it on, Vault's debug log holds received tokens and claims.
      verboseOidcLogging: false,
      tokenPolicies: [args.policyName, ...(args.extraPolicyNames ?? [])],
      // Service tokens can be revoked (with their leases); batch tokens cannot.
      tokenType: "service",
      // Without Vault's `default` policy the token holds only the phase policy, which grants
      // exactly the hooks' calls (vault-policy.ts); `default` would add an unscoped
      // `sys/leases/lookup`, `renew-self`, `sys/leases/renew` and more.
      tokenNoDefaultPolicy: true,
      tokenTtl: args.tokenTtlSeconds,
      tokenMaxTtl: args.tokenTtlSeconds,
      // A replayed JWT (run code can read it) logs in only from here, and a stolen token works
      // only from here (docs/upstream-behaviour.md#vault-jwt-auth).
      ...(args.boundCidrs !== undefined ? { tokenBoundCidrs: args.boundCidrs } : {}),
    },
    opts,
  );
}

/** Who an onboarded entry trusts: one workspace (by names and id), or every workspace of a project. */
export type EntryBinding =
  | {
      readonly kind: "workspace";
      readonly organization: string;
      readonly project: string;
      readonly workspace: string;
      readonly workspaceId: string;
      /** Also bound when known. */
      readonly projectId?: string;
    }
  | {
      readonly kind: "project";
      readonly organization: string;
      readonly project: string;
      readonly projectId: string;
    };

/**
 * The `bound_claims` of an onboarded entry's phase role. A workspace entry binds its literal
 * `sub` and its id; a project entry binds a `sub` whose only glob is the workspace segment and
 * the project id, so a token from another project (or a re-created project of the same name)
 * is refused.
 */
export function entryBoundClaims(binding: EntryBinding, phase: Phase): Record<string, string> {
  if (binding.kind === "workspace") {
    const claims = phaseBoundClaims(binding, phase, binding.workspaceId);
    if (binding.projectId !== undefined) claims.terraform_project_id = projectIdOrThrow(binding.projectId);
    return claims;
  }
  return {
    sub: boundProjectSubject(binding, phase),
    terraform_project_id: projectIdOrThrow(binding.projectId),
  };
}

function projectIdOrThrow(projectId: string): string {
  // Fail closed: an id that resolved empty must not silently drop the binding.
  if (!/^prj-[A-Za-z0-9]+$/.test(projectId)) {
    throw new Error(`TfcJwtTrust: projectId "${projectId}" is not a project id (prj-...)`);
  }
  return projectId;
}

export class TfcJwtTrust extends pulumi.ComponentResource {
  /** Where the JWT auth method is mounted (the hooks' `TFC_VAULT_AUTH_PATH`). */
  public readonly authPath: pulumi.Output<string>;
  /** JWT role per phase (the hooks' `TFC_VAULT_PLAN_ROLE` / `TFC_VAULT_APPLY_ROLE`). */
  public readonly roleNames: PerPhase<pulumi.Output<string>>;

  constructor(name: string, args: TfcJwtTrustArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tfc-jit-aws:vault:TfcJwtTrust", name, {}, opts);

    const issuer = pulumi.output(args.tfcAddress).apply(issuerOf);
    const backend = new vault.jwt.AuthBackend(
      `${name}-auth`,
      {
        type: "jwt",
        path: args.authPath ?? "jwt-tfc",
        description: "tfc-jit-aws: HCP Terraform workload identity tokens",
        oidcDiscoveryUrl: issuer,
        boundIssuer: issuer,
        // HCP Terraform signs with RS256. Unset, Vault accepts every algorithm it knows; pinned, it
        // refuses a token signed another way (docs/upstream-behaviour.md#vault-jwt-auth).
        jwtSupportedAlgs: ["RS256"],
        oidcDiscoveryCaPem: args.discoveryCaPem,
      },
      { parent: this },
    );
    // The provider echoes the path it mounted; `jwt` is Vault's own default when none was sent.
    this.authPath = backend.path.apply((p) => p ?? "jwt");

    const prefix = args.roleNamePrefix ?? "tfc";
    const names = pulumi.all([args.organization, args.project, args.workspace]);
    const workspaceId = args.workspaceId === undefined ? undefined : pulumi.output(args.workspaceId);
    const roles = {} as PerPhase<pulumi.Output<string>>;
    for (const phase of PHASES) {
      const boundClaims = pulumi
        .all([names, workspaceId])
        .apply(([[organization, project, workspace], id]) =>
          phaseBoundClaims({ organization, project, workspace }, phase, id),
        );
      const role = createJwtRole(
        `${name}-${phase}-role`,
        {
          authPath: this.authPath,
          roleName: pulumi.interpolate`${prefix}-${phase}`,
          audience: args.audience,
          boundClaims,
          policyName: args.policyNames[phase],
          tokenTtlSeconds: args.tokenTtlSeconds[phase],
          ...(args.boundCidrs !== undefined ? { boundCidrs: args.boundCidrs } : {}),
        },
        { parent: this },
      );
      roles[phase] = role.roleName;
    }
    this.roleNames = roles;

    this.registerOutputs({ authPath: this.authPath, roleNames: this.roleNames });
  }
}
