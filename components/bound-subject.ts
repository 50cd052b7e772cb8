/**
 * The `sub` claim an HCP Terraform workload identity token carries for one workspace and phase:
 * `organization:<org>:project:<project>:workspace:<workspace>:run_phase:<phase>`.
 *
 * The JWT roles bind it with `bound_claims_type=glob`. Vault's glob (ryanuber/go-glob) treats
 * `*` as "any run of characters, `:` included" and has no escape, so a name holding `*` would
 * widen the binding to other workspaces. HCP Terraform names cannot hold `*` or `:` anyway; this
 * module refuses them rather than trust that, so the pattern built here is always a literal.
 */
import type { Phase } from "./aws-credential-types";

export interface WorkspaceNames {
  readonly organization: string;
  readonly project: string;
  readonly workspace: string;
}

function assertLiteral(what: string, value: string): void {
  if (value === "") throw new Error(`${what} is empty: a bound subject needs every segment`);
  // `*` widens a glob; `:` would let one segment pose as the next; `,` splits bound claim
  // values when Vault parses them as lists.
  const bad = [...value].find((c) => c === "*" || c === ":" || c === ",");
  if (bad !== undefined) {
    throw new Error(
      `${what} "${value}" contains "${bad}", which Vault's glob binding cannot match literally`,
    );
  }
}

/** The exact `sub` for a workspace's run phase, safe to use as a glob pattern. */
export function boundSubject(names: WorkspaceNames, phase: Phase): string {
  assertLiteral("organization name", names.organization);
  assertLiteral("project name", names.project);
  assertLiteral("workspace name", names.workspace);
  return `organization:${names.organization}:project:${names.project}:workspace:${names.workspace}:run_phase:${phase}`;
}

/**
 * The `sub` pattern for every workspace of one project's run phase: the workspace segment is the
 * only glob, and every other segment is literal. Roles using it also bind the project id
 * (`terraform_project_id`), so the pattern cannot reach another project of the same name.
 */
export function boundProjectSubject(
  names: Pick<WorkspaceNames, "organization" | "project">,
  phase: Phase,
): string {
  assertLiteral("organization name", names.organization);
  assertLiteral("project name", names.project);
  return `organization:${names.organization}:project:${names.project}:workspace:*:run_phase:${phase}`;
}
