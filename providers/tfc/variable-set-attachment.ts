/**
 * `tfc:VariableSetAttachment`: one variable set applied to one workspace or one project (id
 * `<varset-id>/<ws-or-prj-id>`). One resource per target, like the tfe provider's
 * `tfe_workspace_variable_set` / `tfe_project_variable_set`, so attachments others made are never
 * touched. API (docs/upstream-behaviour.md "HCP Terraform API"):
 * POST|DELETE /varsets/:id/relationships/{workspaces|projects} with `{"data":[{type,id}]}` (204);
 * read through GET /{workspaces|projects}/:id/varsets, which lists the sets applied to the target
 * (it also lists global sets and, for a workspace, its project's sets: only a set listed there
 * counts, and a global set cannot be attached, the API refuses it with a 422).
 */
import * as pulumi from "@pulumi/pulumi";
import { apiRequest, listAll, ifPresent } from "./client";
import {
  compact,
  configureSettings,
  connectionFor,
  containsUnknown,
  type TfcProvider,
  gone,
} from "./dynamic-support";

export interface VariableSetAttachmentArgs {
  /** Variable set (`varset-...`). */
  readonly variableSetId: pulumi.Input<string>;
  /** Workspace (`ws-...`) to apply it to; or projectId. */
  readonly workspaceId?: pulumi.Input<string>;
  /** Project (`prj-...`) to apply it to (all its workspaces); or workspaceId. */
  readonly projectId?: pulumi.Input<string>;
}

export interface VariableSetAttachmentState {
  variableSetId: string;
  workspaceId?: string;
  projectId?: string;
}

interface Target {
  readonly kind: "workspaces" | "projects";
  readonly id: string;
}

function targetOf(s: Partial<VariableSetAttachmentState>): Target {
  return s.workspaceId !== undefined
    ? { kind: "workspaces", id: s.workspaceId }
    : { kind: "projects", id: s.projectId ?? "" };
}

const subject = (s: Partial<VariableSetAttachmentState>) => {
  const t = targetOf(s);
  return `variable set ${String(s.variableSetId)} on ${t.kind === "workspaces" ? "workspace" : "project"} ${t.id}`;
};

async function relate(
  settings: TfcProvider<unknown, unknown>["settings"],
  method: "POST" | "DELETE",
  s: VariableSetAttachmentState,
): Promise<void> {
  const t = targetOf(s);
  await apiRequest(connectionFor(settings), {
    method,
    path: `/varsets/${encodeURIComponent(s.variableSetId)}/relationships/${t.kind}`,
    body: { data: [{ type: t.kind, id: t.id }] },
    subject: subject(s),
    // Applying a set twice leaves it applied once: safe to retry after a 5xx.
    idempotent: true,
  });
}

export const variableSetAttachmentProvider: TfcProvider<
  VariableSetAttachmentState,
  VariableSetAttachmentState
> = {
  configure(req) {
    this.settings = configureSettings(req);
    return Promise.resolve();
  },

  check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (typeof news.variableSetId !== "string" || news.variableSetId === "") {
      failures.push({ property: "variableSetId", reason: "variableSetId is required (a varset-... id)" });
    }
    const both = news.workspaceId !== undefined && news.projectId !== undefined;
    const neither = news.workspaceId === undefined && news.projectId === undefined;
    if (both || neither) {
      failures.push({
        property: "workspaceId",
        reason: "set exactly one of workspaceId (a ws-... id) and projectId (a prj-... id)",
      });
    }
    for (const field of ["workspaceId", "projectId"] as const) {
      const v = news[field];
      if (v !== undefined && !containsUnknown(v) && (typeof v !== "string" || v === "")) {
        failures.push({ property: field, reason: `${field} must be a non-empty id` });
      }
    }
    const inputs = compact({
      variableSetId: news.variableSetId,
      workspaceId: news.workspaceId,
      projectId: news.projectId,
    });
    return Promise.resolve({ inputs, failures });
  },

  diff(_id, olds, news) {
    const replaces = (["variableSetId", "workspaceId", "projectId"] as const).filter(
      (f) => olds[f] !== news[f],
    );
    return Promise.resolve({ changes: replaces.length > 0, replaces, deleteBeforeReplace: false });
  },

  async create(inputs) {
    await relate(this.settings, "POST", inputs);
    return { id: `${inputs.variableSetId}/${targetOf(inputs).id}`, outs: { ...inputs } };
  },

  async read(id, props) {
    const [setFromId, targetFromId] = id.split("/");
    const state: VariableSetAttachmentState = props?.variableSetId
      ? props
      : targetFromId?.startsWith("prj-")
        ? { variableSetId: setFromId, projectId: targetFromId }
        : { variableSetId: setFromId, workspaceId: targetFromId };
    const t = targetOf(state);
    const sets = await ifPresent(
      listAll(connectionFor(this.settings), `/${t.kind}/${encodeURIComponent(t.id)}/varsets`, subject(state)),
    );
    if (sets === undefined) return gone<VariableSetAttachmentState>();
    const applied = sets.some((s) => s.id === state.variableSetId);
    return applied ? { id, props: compact({ ...state }) } : gone<VariableSetAttachmentState>();
  },

  update(_id, _olds, news) {
    // Every field replaces; nothing to update in place.
    return Promise.resolve({ outs: { ...news } });
  },

  async delete(_id, props) {
    await ifPresent(relate(this.settings, "DELETE", props));
  },
};

export class VariableSetAttachment extends pulumi.dynamic.Resource {
  declare readonly variableSetId: pulumi.Output<string>;
  declare readonly workspaceId: pulumi.Output<string | undefined>;
  declare readonly projectId: pulumi.Output<string | undefined>;

  constructor(name: string, args: VariableSetAttachmentArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      variableSetAttachmentProvider,
      name,
      { variableSetId: args.variableSetId, workspaceId: args.workspaceId, projectId: args.projectId },
      opts,
      "tfc",
      "VariableSetAttachment",
    );
  }
}
