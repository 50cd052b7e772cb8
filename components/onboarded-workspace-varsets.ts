/**
 * The hook variables as HCP Terraform variable sets (docs/upstream-behaviour.md, "HCP Terraform
 * API", variable sets):
 *
 *   one shared set per stack (sharedHookVariables: audience, Vault address, namespace, CA, auth
 *   and engine mounts) attached to every onboarded workspace and project, and one set per project
 *   entry (workspaceHookVariables: its roles and credential type) attached to that project only.
 *
 * The two sets never carry the same key, so the precedence between two sets on one project never
 * decides a value; a workspace variable (a workspace entry's own roles) overrides both. Neither
 * set is `priority` (a priority set would override the workspace entries' own variables) nor
 * `global` (it would reach workspaces nobody onboarded).
 *
 * An attachment is created after the set's variables (a workspace never sees a half-filled set)
 * and after the roles the set's variables name, passed as `after`: Pulumi deletes in reverse
 * dependency order, so offboarding removes the attachment before those roles.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tfc from "../providers/tfc";
import {
  sharedHookVariables,
  type SharedHookSettings,
  type WorkspaceVariable,
} from "./onboarded-workspace-variables";

/** A variable set with its variables, for what attaches it. */
export interface HookVariableSet {
  readonly variableSetId: pulumi.Output<string>;
  /** The set and its variables: an attachment waits for them all. */
  readonly members: pulumi.Resource[];
}

export interface HookVariableSetArgs {
  readonly organization: pulumi.Input<string>;
  /** Unique in the organization. */
  readonly setName: string;
  readonly description: string;
  readonly vars: readonly WorkspaceVariable[];
}

/** A variable set holding `vars`: children `${stem}` (the set) and `${stem}-${category}-${key}`. */
export function hookVariableSet(
  stem: string,
  args: HookVariableSetArgs,
  opts: pulumi.CustomResourceOptions = {},
): HookVariableSet {
  const set = new tfc.VariableSet(
    stem,
    {
      organization: args.organization,
      name: args.setName,
      description: args.description,
      global: false,
      priority: false,
    },
    opts,
  );
  const members: pulumi.Resource[] = [set];
  for (const v of args.vars) {
    members.push(
      new tfc.VariableSetVariable(
        `${stem}-${v.category}-${v.key}`,
        {
          variableSetId: set.id,
          key: v.key,
          value: v.value,
          category: v.category,
          sensitive: v.sensitive,
          description: v.description,
        },
        { ...opts, dependsOn: [set] },
      ),
    );
  }
  return { variableSetId: set.id, members };
}

export type AttachTarget =
  { readonly workspaceId: pulumi.Input<string> } | { readonly projectId: pulumi.Input<string> };

/** Applies `set` to one workspace or project, after its variables and after `after`. */
export function attachVariableSet(
  name: string,
  set: HookVariableSet,
  target: AttachTarget,
  after: pulumi.Resource[],
  parent: pulumi.Resource,
): tfc.VariableSetAttachment {
  return new tfc.VariableSetAttachment(
    name,
    { variableSetId: set.variableSetId, ...target },
    { parent, dependsOn: [...set.members, ...after] },
  );
}

/** The shared set's Pulumi name; its HCP Terraform name is `<pool name>-hooks`. */
export const SHARED_SET_NAME = "onboarding-shared-vars";

/** The stack's one set of shared hook settings (not attached here: each entry attaches it). */
export function sharedHookVariableSet(
  organization: pulumi.Input<string>,
  poolName: string,
  shared: SharedHookSettings,
): HookVariableSet {
  return hookVariableSet(SHARED_SET_NAME, {
    organization,
    setName: `${poolName}-hooks`,
    description: `tfc-jit-aws: Vault settings the agent hooks of pool ${poolName} read in every onboarded workspace`,
    vars: sharedHookVariables(shared),
  });
}

/** A project entry's own set: named by the project id, which a rename does not change. */
export function projectHookSetName(
  poolName: string,
  entry: { readonly projectId?: string; readonly project: string },
): string {
  return `${poolName}-hooks-${entry.projectId ?? entry.project}`;
}
