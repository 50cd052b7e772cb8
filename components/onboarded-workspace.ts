/**
 * OnboardedWorkspace: everything one onboarded entry (a workspace, or every workspace of one
 * project) gets from the stack, on the shared AWS engine and JWT auth mounts:
 *
 *   its own plan/apply AWS engine roles and Vault policies (each policy reads only that entry's
 *   roles' credentials; createEngineRole) -> [workspace entries: agent mode on the pool, after the
 *   pool's one allow-list] -> its own plan/apply JWT roles bound to its names in `sub`, its id,
 *   the literal phase and the audience (createJwtRole) -> the hook variables:
 *     workspace entry: its own roles and credential type as workspace variables, and the stack's
 *       shared variable set (audience, Vault address, CA, mounts) attached to the workspace;
 *     project entry: its own variable set (its roles and credential type, one pair for the whole
 *       project) and the shared set, both attached to the project, so every workspace of the
 *       project gets the hook contract (components/onboarded-workspace-varsets.ts).
 *
 * A project entry gets no agent mode: its workspaces run on the pool through the project's
 * default execution settings, set by the operator (docs/onboarding.md).
 *
 * Every attachment depends on the entry's JWT roles (which depend on its policies, which depend
 * on its engine roles), so removing the entry from the stack configuration removes the
 * attachments first, then the variables, then the roles; the pool's allow-list (built by the
 * stack) drops its id in place.
 */
import * as pulumi from "@pulumi/pulumi";
import { type CredentialType, type Phase, PHASES } from "./aws-credential-types";
import { createEngineRole, type VaultAwsEngineRoleArgs } from "./vault-aws-engine";
import { createJwtRole, entryBoundClaims, type EntryBinding } from "./tfc-jwt-trust";
import {
  hookVariables,
  workspaceHookVariables,
  type SharedHookSettings,
  type TaggedHookSettings,
  type WorkspaceHookSettings,
} from "./onboarded-workspace-variables";
import { runOnPool, writeVariables, type PoolAccess } from "./onboarded-workspace-tfc";
import { attachVariableSet, hookVariableSet, type HookVariableSet } from "./onboarded-workspace-varsets";

type PerPhase<T> = { readonly plan: T; readonly apply: T };

/** One tagged AWS configuration of the entry (config/workspaces.ts, `awsConfigurations`). */
export interface TaggedConfigurationArgs {
  /** The tag its variables carry (`TFC_VAULT_BACKED_AWS_AUTH_<TAG>`). */
  readonly tag: string;
  /** AWS engine role names per phase (no JWT roles: it logs in with the entry's). */
  readonly roleNames: PerPhase<string>;
  /** The AWS engine role per phase: this configuration's own permissions. */
  readonly roles: PerPhase<VaultAwsEngineRoleArgs>;
  readonly credentialType: CredentialType;
  /** The role each phase assumes (assumed_role only). */
  readonly roleArns?: { readonly plan?: string; readonly apply?: string };
  /** `TFC_VAULT_BACKED_AWS_MOUNT_PATH_<TAG>`, when the mount is not the built-in default `aws`. */
  readonly mountPath?: pulumi.Input<string>;
}

export interface OnboardedWorkspaceArgs {
  /** Who is trusted: one workspace (names + id) or one project (names + project id). */
  readonly binding: EntryBinding;
  /** Vault role names per phase (the AWS engine role and the JWT role share the name). */
  readonly roleNames: PerPhase<string>;
  /** The AWS engine role per phase: the entry's own permissions. */
  readonly roles: PerPhase<VaultAwsEngineRoleArgs>;
  /** One credential type for both phases (the hooks read one TFC_VAULT_BACKED_AWS_AUTH_TYPE). */
  readonly credentialType: CredentialType;
  /** The role each phase assumes (assumed_role only). */
  readonly roleArns?: { readonly plan?: string; readonly apply?: string };
  /** Vault token TTL (and max) per phase. */
  readonly tokenTtlSeconds: PerPhase<number>;
  /** The token audience the JWT roles bind. */
  readonly audience: pulumi.Input<string>;
  /** Settings every onboarded workspace shares: mounts, Vault address, namespace, CA. */
  readonly shared: SharedHookSettings;
  /** The pool's allow-list (workspace entries): agent mode waits for it. */
  readonly poolAccess?: PoolAccess;
  /** Where agents connect from (`token_bound_cidrs` on the JWT roles); absent = not bound. */
  readonly boundCidrs?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Extra AWS configurations: each gets its own engine roles and phase policies, and the entry's
   * JWT role of a phase lists that phase's policies (plan token: plan roles only).
   */
  readonly tagged?: readonly TaggedConfigurationArgs[];
  /** Where the hook variables go in HCP Terraform. */
  readonly variableSets: {
    /** The stack's one set of shared settings (sharedHookVariables), attached to this entry. */
    readonly shared: HookVariableSet;
    readonly organization: pulumi.Input<string>;
    /** Name of a project entry's own set (unique in the organization). */
    readonly projectSetName: string;
  };
}

/** Fails before any resource registers on an entry that cannot be wired. */
export function checkOnboardedWorkspaceArgs(args: OnboardedWorkspaceArgs): void {
  if (args.binding.kind === "workspace" && args.poolAccess === undefined) {
    throw new Error(
      "OnboardedWorkspace: a workspace entry needs poolAccess (the pool's allow-list naming it)",
    );
  }
}

export class OnboardedWorkspace extends pulumi.ComponentResource {
  /** JWT role per phase (the hooks' `TFC_VAULT_PLAN_ROLE` / `TFC_VAULT_APPLY_ROLE`). */
  public readonly jwtRoles: PerPhase<pulumi.Output<string>>;
  /** AWS engine role per phase. */
  public readonly awsRoles: PerPhase<pulumi.Output<string>>;
  /** Vault policy per phase. */
  public readonly policyNames: PerPhase<pulumi.Output<string>>;
  /** The workspace id once it runs on the pool (workspace entries only). */
  public readonly workspaceId?: pulumi.Output<string>;
  /** The hook variables as key -> value, shared ones included: what its workspaces get. */
  public readonly hookVariables: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: OnboardedWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tfc-jit-aws:onboarding:OnboardedWorkspace", name, {}, opts);
    checkOnboardedWorkspaceArgs(args);
    const mountPath = pulumi.output(args.shared.awsMountPath);

    const awsRoles = {} as Record<Phase, pulumi.Output<string>>;
    const policyNames = {} as Record<Phase, pulumi.Output<string>>;
    for (const phase of PHASES) {
      const made = createEngineRole(name, phase, args.roleNames[phase], mountPath, args.roles[phase], {
        parent: this,
      });
      awsRoles[phase] = made.roleName;
      policyNames[phase] = made.policyName;
    }

    // Each tagged configuration's roles: children `${name}-<TAG>-<phase>-role` / `-policy`.
    const taggedPolicies: Record<Phase, pulumi.Output<string>[]> = { plan: [], apply: [] };
    const tagged: TaggedHookSettings[] = [];
    for (const t of args.tagged ?? []) {
      const roles = {} as Record<Phase, pulumi.Output<string>>;
      for (const phase of PHASES) {
        const made = createEngineRole(
          `${name}-${t.tag}`,
          phase,
          t.roleNames[phase],
          mountPath,
          t.roles[phase],
          {
            parent: this,
          },
        );
        roles[phase] = made.roleName;
        taggedPolicies[phase].push(made.policyName);
      }
      tagged.push({
        tag: t.tag,
        credentialType: t.credentialType,
        awsRoles: roles,
        ...(t.roleArns !== undefined ? { roleArns: t.roleArns } : {}),
        ...(t.mountPath !== undefined ? { mountPath: t.mountPath } : {}),
      });
    }

    const binding = args.binding;
    // A workspace's roles bind the id as agent mode returns it, so they follow agent mode.
    const workspaceId =
      binding.kind === "workspace" && args.poolAccess !== undefined
        ? runOnPool(name, binding.workspaceId, args.poolAccess, this)
        : undefined;
    const boundClaims = (phase: Phase): pulumi.Output<Record<string, string>> =>
      workspaceId !== undefined && binding.kind === "workspace"
        ? workspaceId.apply((id) => entryBoundClaims({ ...binding, workspaceId: id }, phase))
        : pulumi.output(entryBoundClaims(binding, phase));

    const jwtRoles = {} as Record<Phase, pulumi.Output<string>>;
    const jwtRoleResources: pulumi.Resource[] = [];
    for (const phase of PHASES) {
      const role = createJwtRole(
        `${name}-${phase}-jwt-role`,
        {
          authPath: args.shared.authPath,
          roleName: args.roleNames[phase],
          audience: args.audience,
          boundClaims: boundClaims(phase),
          policyName: policyNames[phase],
          ...(taggedPolicies[phase].length > 0 ? { extraPolicyNames: taggedPolicies[phase] } : {}),
          tokenTtlSeconds: args.tokenTtlSeconds[phase],
          ...(args.boundCidrs !== undefined ? { boundCidrs: args.boundCidrs } : {}),
        },
        { parent: this },
      );
      jwtRoles[phase] = role.roleName;
      jwtRoleResources.push(role);
    }
    this.jwtRoles = jwtRoles;
    this.awsRoles = awsRoles;
    this.policyNames = policyNames;

    const own: WorkspaceHookSettings = {
      jwtRoles,
      awsRoles,
      credentialType: args.credentialType,
      ...(args.roleArns !== undefined ? { roleArns: args.roleArns } : {}),
      ...(tagged.length > 0 ? { tagged } : {}),
    };
    const sets = args.variableSets;
    if (workspaceId !== undefined) {
      this.workspaceId = workspaceId;
      writeVariables(name, workspaceId, workspaceHookVariables(own), this);
      attachVariableSet(`${name}-shared-vars`, sets.shared, { workspaceId }, jwtRoleResources, this);
    } else if (binding.kind === "project") {
      const projectSet = hookVariableSet(
        `${name}-vars`,
        {
          organization: sets.organization,
          setName: sets.projectSetName,
          description: `tfc-jit-aws: the hook variables of every workspace of project ${binding.project} (${binding.projectId})`,
          vars: workspaceHookVariables(own),
        },
        { parent: this },
      );
      const target = { projectId: binding.projectId };
      attachVariableSet(`${name}-vars-attachment`, projectSet, target, jwtRoleResources, this);
      attachVariableSet(`${name}-shared-vars`, sets.shared, target, jwtRoleResources, this);
    }
    const vars = hookVariables({ ...args.shared, ...own });
    this.hookVariables = pulumi
      .all(vars.map((v) => pulumi.output(v.value).apply((value) => [v.key, value] as const)))
      .apply((pairs) => Object.fromEntries(pairs));

    this.registerOutputs({
      jwtRoles: this.jwtRoles,
      awsRoles: this.awsRoles,
      policyNames: this.policyNames,
      workspaceId: this.workspaceId,
      hookVariables: this.hookVariables,
    });
  }
}
