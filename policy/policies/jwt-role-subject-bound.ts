/**
 * A JWT role must bind `sub` to one organization's run phase. HCP Terraform's `sub` is
 * `organization:<org>:project:<project>:workspace:<workspace>:run_phase:<plan|apply>`; with
 * `bound_claims_type=glob` a `*` matches across `:`, so a `*` in the organization or the phase
 * lets other organizations' runs, or the other phase, log in. The `project:` segment is checked
 * because the pre-2023 format without it no longer matches any token (the role would be dead).
 *
 * A `*` in the workspace segment (one role for every workspace of a project, as the program's
 * project entries make) is accepted when the project segment is literal and the role also binds
 * `terraform_project_id` to one project id: the glob then cannot reach another project, not even
 * a re-created one of the same name. Any other workspace glob needs allowWorkspaceGlob.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";
import { settingsOf } from "../lib/settings";
import { text } from "../lib/values";

const PROJECT_ID = /^prj-[A-Za-z0-9]+$/;
const SUB = /^organization:([^:]*):project:([^:]*):workspace:([^:]*):run_phase:([^:]*)$/;
const PHASES = ["plan", "apply"];

export interface SubjectSettings {
  /** Accept a `*` in the workspace segment (one role for several workspaces of a project). */
  allowWorkspaceGlob: boolean;
}

const DEFAULTS: SubjectSettings = { allowWorkspaceGlob: false };

export const jwtRoleSubjectBound: ResourceValidationPolicy = {
  name: "jwt-role-subject-bound",
  description:
    "Vault JWT roles bind sub to a literal organization, the project: segment and a literal run_phase.",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: {
    properties: {
      allowWorkspaceGlob: {
        type: "boolean",
        default: false,
        description: "Accept a * in the workspace segment of sub.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.jwtAuthBackendRole || args.props.roleType !== "jwt") return;
    const settings = settingsOf(args, DEFAULTS);
    const claims = args.props.boundClaims as Record<string, unknown> | undefined;
    const sub = text(claims?.sub) ?? text(args.props.boundSubject);
    const role = `JWT role ${args.name}`;
    if (sub === undefined) {
      reportViolation(
        `${role} does not bind sub: set boundClaims.sub to organization:<org>:project:<project>:workspace:<workspace>:run_phase:<plan|apply>`,
      );
      return;
    }
    const parts = SUB.exec(sub);
    if (parts === null) {
      const hint = sub.includes(":project:")
        ? "organization:<org>:project:<project>:workspace:<workspace>:run_phase:<plan|apply>"
        : "the project: segment (HCP Terraform tokens carry it since 2023)";
      reportViolation(`${role} binds sub "${sub}", which does not have the token's form: it needs ${hint}`);
      return;
    }
    const [, organization = "", project = "", workspace = "", phase = ""] = parts;
    if (organization === "" || organization.includes("*")) {
      reportViolation(
        `${role} binds sub with organization "${organization}": name one organization literally (a * admits other organizations' runs)`,
      );
    }
    if (!PHASES.includes(phase)) {
      reportViolation(
        `${role} binds sub with run_phase "${phase}": bind exactly plan or apply, one role per phase`,
      );
    }
    const projectId = text(claims?.terraform_project_id);
    const projectScoped =
      workspace === "*" && project !== "" && !project.includes("*") && PROJECT_ID.test(projectId ?? "");
    if (!settings.allowWorkspaceGlob && !projectScoped && (workspace === "" || workspace.includes("*"))) {
      reportViolation(
        `${role} binds sub with workspace "${workspace}": name the workspace literally, or (for a whole project) bind workspace "*" with a literal project and terraform_project_id, or set allowWorkspaceGlob in the policy config`,
      );
    }
  },
};
