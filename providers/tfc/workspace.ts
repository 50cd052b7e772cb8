/**
 * `tfc:Workspace`: an HCP Terraform workspace (`ws-...`).
 * API: POST /organizations/:org/workspaces, GET|PATCH /workspaces/:id,
 * POST /workspaces/:id/actions/safe-delete (409 while it still manages resources).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  apiRequest,
  dataOf,
  isNotFound,
  apiError,
  isApiError,
  organizationNotFound,
  type ApiResource,
  getIfPresent,
} from "./client";
import type { TfcConnection } from "./credentials";
import {
  compact,
  configureSettings,
  connectionFor,
  containsUnknown,
  diffFields,
  text,
  importHint,
  isPoolNotAllowed,
  poolOf,
  type TfcProvider,
  gone,
} from "./dynamic-support";

export type ExecutionMode = "remote" | "local" | "agent";

export interface VcsRepoArgs {
  /** `<owner>/<repo>`. */
  readonly identifier: pulumi.Input<string>;
  /** OAuth token of a VCS connection (`ot-...`); or use githubAppInstallationId. */
  readonly oauthTokenId?: pulumi.Input<string>;
  /** GitHub App installation (`ghain-...`); or use oauthTokenId. */
  readonly githubAppInstallationId?: pulumi.Input<string>;
  /** Branch to track; the repository's default branch when absent. */
  readonly branch?: pulumi.Input<string>;
}

export interface WorkspaceArgs {
  /** Organization that owns the workspace; changing it replaces the workspace. */
  readonly organization: pulumi.Input<string>;
  /** Workspace name (letters, numbers, `-`, `_`); renaming is an in-place update. */
  readonly name: pulumi.Input<string>;
  /** Project (`prj-...`); the organization's default project when absent. */
  readonly projectId?: pulumi.Input<string>;
  readonly description?: pulumi.Input<string>;
  /**
   * Where runs execute; `agent` requires agentPoolId. Leave it (and agentPoolId) out when a
   * WorkspaceExecution manages them, or to keep the project/organization default: the workspace
   * then inherits that default (`setting-overwrites` false) and never reports the mode as drift.
   */
  readonly executionMode?: pulumi.Input<ExecutionMode>;
  /** Agent pool (`apool-...`); only with executionMode "agent". */
  readonly agentPoolId?: pulumi.Input<string>;
  readonly terraformVersion?: pulumi.Input<string>;
  readonly workingDirectory?: pulumi.Input<string>;
  /** Apply without confirmation after a successful plan (default false). */
  readonly autoApply?: pulumi.Input<boolean>;
  /** Queue runs on every push even before the first configuration upload (default false). */
  readonly queueAllRuns?: pulumi.Input<boolean>;
  readonly vcsRepo?: pulumi.Input<VcsRepoArgs>;
}

export interface VcsRepo {
  identifier: string;
  oauthTokenId?: string;
  githubAppInstallationId?: string;
  branch?: string;
}

export interface WorkspaceInputs {
  organization: string;
  name: string;
  projectId?: string;
  description?: string;
  executionMode?: ExecutionMode;
  agentPoolId?: string;
  terraformVersion?: string;
  workingDirectory?: string;
  autoApply: boolean;
  queueAllRuns: boolean;
  vcsRepo?: VcsRepo;
}

export interface WorkspaceState extends WorkspaceInputs {
  workspaceId: string;
  htmlUrl: string;
}

const TYPE = "pulumi-nodejs:dynamic/tfc:Workspace";
const MODES: readonly string[] = ["remote", "local", "agent"];
const subject = (name: unknown) => `workspace "${String(name)}"`;

/** Pure validation shared by check(); unknown values are let through until they are known. */
export function workspaceFailures(news: Partial<WorkspaceInputs>): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const known = (v: unknown) => v !== undefined && !containsUnknown(v);
  if (typeof news.organization !== "string" || news.organization === "") {
    failures.push({ property: "organization", reason: "organization is required" });
  }
  if (known(news.name) && (typeof news.name !== "string" || !/^[A-Za-z0-9_-]{1,90}$/.test(news.name))) {
    failures.push({ property: "name", reason: "name must be 1-90 letters, numbers, '-' or '_'" });
  } else if (news.name === undefined) {
    failures.push({ property: "name", reason: "name is required" });
  }
  const mode = news.executionMode;
  if (known(mode) && !MODES.includes(String(mode))) {
    failures.push({
      property: "executionMode",
      reason: 'executionMode must be "remote", "local" or "agent"',
    });
  }
  if (mode === undefined && news.agentPoolId !== undefined) {
    failures.push({
      property: "agentPoolId",
      reason: 'agentPoolId needs executionMode: "agent" (or leave both to a WorkspaceExecution)',
    });
  }
  if (known(mode) && mode !== "agent" && news.agentPoolId !== undefined) {
    failures.push({
      property: "agentPoolId",
      reason: `agentPoolId is only allowed with executionMode "agent" (got "${String(mode)}"): set executionMode: "agent" or remove agentPoolId`,
    });
  }
  if (mode === "agent" && news.agentPoolId === undefined) {
    failures.push({
      property: "agentPoolId",
      reason: 'executionMode "agent" needs agentPoolId (an apool-... id)',
    });
  }
  const vcs = news.vcsRepo;
  if (vcs !== undefined && !containsUnknown(vcs)) {
    if (typeof vcs.identifier !== "string" || !vcs.identifier.includes("/")) {
      failures.push({
        property: "vcsRepo.identifier",
        reason: 'vcsRepo.identifier must look like "<owner>/<repo>"',
      });
    }
    if (vcs.oauthTokenId !== undefined && vcs.githubAppInstallationId !== undefined) {
      failures.push({
        property: "vcsRepo",
        reason: "set only one of vcsRepo.oauthTokenId and vcsRepo.githubAppInstallationId",
      });
    }
  }
  return failures;
}

/**
 * A managed execution mode is sent as terraform-provider-tfe sends it: the mode, the overwrite
 * flags set (so the workspace stops inheriting the project/organization default), and, when
 * `leavingAgent` (stored agent, new mode not agent), `agent-pool-id: ""` to clear the pool
 * (docs/upstream-behaviour.md "HCP Terraform API"). An unmanaged mode sends none of them, so
 * a new workspace inherits the default. A create never sends an empty pool.
 */
export function workspaceBody(inputs: WorkspaceInputs, leavingAgent = false): unknown {
  const vcs = inputs.vcsRepo;
  return {
    data: {
      type: "workspaces",
      attributes: compact({
        name: inputs.name,
        description: inputs.description,
        "execution-mode": inputs.executionMode,
        "agent-pool-id":
          inputs.executionMode === "agent" ? inputs.agentPoolId : leavingAgent ? "" : undefined,
        "setting-overwrites":
          inputs.executionMode === undefined ? undefined : { "execution-mode": true, "agent-pool": true },
        "terraform-version": inputs.terraformVersion,
        "working-directory": inputs.workingDirectory,
        "auto-apply": inputs.autoApply,
        "queue-all-runs": inputs.queueAllRuns,
        "vcs-repo": vcs
          ? compact({
              identifier: vcs.identifier,
              "oauth-token-id": vcs.oauthTokenId,
              "github-app-installation-id": vcs.githubAppInstallationId,
              branch: vcs.branch,
            })
          : undefined,
      }),
      ...(inputs.projectId
        ? { relationships: { project: { data: { id: inputs.projectId, type: "projects" } } } }
        : {}),
    },
  };
}

/** Live workspace -> state, keeping unmanaged optional fields out so they never show as drift. */
export function workspaceFromApi(
  conn: Pick<TfcConnection, "origin">,
  data: ApiResource,
  previous: Partial<WorkspaceInputs>,
): WorkspaceState {
  const a = data.attributes ?? {};
  const str = (v: unknown) => text(v);
  const managed = <T>(field: keyof WorkspaceInputs, live: T): T | undefined =>
    previous[field] === undefined ? undefined : live;
  const liveVcs = a["vcs-repo"] as Record<string, unknown> | null | undefined;
  const prevVcs = previous.vcsRepo;
  const project = (data.relationships?.project?.data as { id?: string } | undefined)?.id;
  const org = (data.relationships?.organization?.data as { id?: string } | undefined)?.id;
  return compact({
    organization: org ?? previous.organization ?? "",
    name: str(a.name),
    projectId: managed("projectId", project),
    description: managed("description", str(a.description)),
    executionMode: managed("executionMode", str(a["execution-mode"]) as ExecutionMode),
    agentPoolId: managed("agentPoolId", poolOf(data)),
    terraformVersion: managed("terraformVersion", str(a["terraform-version"])),
    workingDirectory: managed("workingDirectory", str(a["working-directory"])),
    autoApply: Boolean(a["auto-apply"]),
    queueAllRuns: Boolean(a["queue-all-runs"]),
    vcsRepo:
      prevVcs === undefined
        ? undefined
        : liveVcs
          ? compact({
              identifier: str(liveVcs.identifier),
              oauthTokenId: prevVcs.oauthTokenId === undefined ? undefined : str(liveVcs["oauth-token-id"]),
              githubAppInstallationId:
                prevVcs.githubAppInstallationId === undefined
                  ? undefined
                  : str(liveVcs["github-app-installation-id"]),
              branch: prevVcs.branch === undefined ? undefined : str(liveVcs.branch),
            })
          : undefined,
    workspaceId: data.id,
    htmlUrl: htmlUrlOf(conn, data),
  });
}

function htmlUrlOf(conn: Pick<TfcConnection, "origin">, data: ApiResource): string {
  const link = data.links?.["self-html"];
  if (typeof link === "string" && link !== "") return new URL(link, conn.origin).toString();
  const org = (data.relationships?.organization?.data as { id?: string } | undefined)?.id ?? "";
  return `${conn.origin}/app/${encodeURIComponent(org)}/workspaces/${encodeURIComponent(text(data.attributes?.name))}`;
}

export const workspaceProvider: TfcProvider<WorkspaceInputs, WorkspaceState> = {
  configure(req) {
    this.settings = configureSettings(req);
    return Promise.resolve();
  },

  check(_olds, news) {
    const inputs = compact({
      ...news,
      autoApply: news.autoApply ?? false,
      queueAllRuns: news.queueAllRuns ?? false,
      vcsRepo: news.vcsRepo === undefined ? undefined : compact({ ...news.vcsRepo }),
    });
    return Promise.resolve({ inputs, failures: workspaceFailures(news) });
  },

  diff(_id, olds, news) {
    const result = diffFields(olds as never, news as never, {
      replaceOn: ["organization"],
      updateOn: [
        "name",
        "projectId",
        "description",
        "executionMode",
        "agentPoolId",
        "terraformVersion",
        "workingDirectory",
        "autoApply",
        "queueAllRuns",
        "vcsRepo",
      ],
    });
    return Promise.resolve(result);
  },

  async create(inputs) {
    const conn = connectionFor(this.settings);
    let res;
    try {
      res = await apiRequest(conn, {
        method: "POST",
        path: `/organizations/${encodeURIComponent(inputs.organization)}/workspaces`,
        body: workspaceBody(inputs),
        subject: subject(inputs.name),
      });
    } catch (err) {
      if (isApiError(err, 404)) throw organizationNotFound(err, inputs.organization, subject(inputs.name));
      if (isPoolNotAllowed(err) && isApiError(err)) {
        throw apiError(
          `${err.message}. Fix: a pool that is not organization-scoped cannot allow a workspace that does not ` +
            "exist yet: leave executionMode and agentPoolId out of the Workspace, allow it on the pool " +
            "(tfc.AgentPoolAllowedWorkspaces), then set agent mode with a tfc.WorkspaceExecution that dependsOn it",
          err.status,
          err.pointer,
        );
      }
      if (isApiError(err, 422) && err.pointer === "/data/attributes/name") {
        const existing = await apiRequest(conn, {
          method: "GET",
          path: `/organizations/${encodeURIComponent(inputs.organization)}/workspaces/${encodeURIComponent(inputs.name)}`,
          subject: subject(inputs.name),
        })
          .then((r) => dataOf(r, subject(inputs.name)).id)
          .catch(() => undefined);
        if (existing) throw apiError(err.message + importHint(TYPE, existing), err.status, err.pointer);
      }
      throw err;
    }
    const live = workspaceFromApi(conn, dataOf(res, subject(inputs.name)), inputs);
    return {
      id: live.workspaceId,
      outs: { ...inputs, workspaceId: live.workspaceId, htmlUrl: live.htmlUrl },
    };
  },

  async read(id, props) {
    const previous = props ?? ({} as Partial<WorkspaceState>);
    const conn = connectionFor(this.settings);
    const live = await getIfPresent(
      conn,
      `/workspaces/${encodeURIComponent(id)}`,
      subject(previous.name ?? id),
    );
    return live ? { id, props: workspaceFromApi(conn, live, previous) } : gone<WorkspaceState>();
  },

  async update(id, olds, news) {
    const conn = connectionFor(this.settings);
    const res = await apiRequest(conn, {
      method: "PATCH",
      path: `/workspaces/${encodeURIComponent(id)}`,
      // Only a managed mode can leave agent mode: with the mode unmanaged (a WorkspaceExecution
      // owns it) the pool must not be touched.
      body: workspaceBody(
        news,
        olds.executionMode === "agent" && news.executionMode !== undefined && news.executionMode !== "agent",
      ),
      subject: subject(news.name),
    });
    const live = workspaceFromApi(conn, dataOf(res, subject(news.name)), news);
    return { outs: { ...news, workspaceId: id, htmlUrl: live.htmlUrl } };
  },

  async delete(id, props) {
    try {
      await apiRequest(connectionFor(this.settings), {
        method: "POST",
        path: `/workspaces/${encodeURIComponent(id)}/actions/safe-delete`,
        subject: subject(props.name ?? id),
        // Deleting twice is harmless (the second answers 404), so 5xx may be retried.
        idempotent: true,
      });
    } catch (err) {
      if (isNotFound(err)) return;
      if (isApiError(err, 409)) {
        throw apiError(
          `HCP Terraform refused to delete ${subject(props.name ?? id)} (${id}): it still manages resources ` +
            "(safe-delete answered 409). Destroy them first with a destroy run in that workspace, then run " +
            `pulumi destroy again. HCP Terraform said: ${err.message}`,
          409,
        );
      }
      throw err;
    }
  },
};

export class Workspace extends pulumi.dynamic.Resource {
  declare readonly organization: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly projectId: pulumi.Output<string | undefined>;
  declare readonly description: pulumi.Output<string | undefined>;
  declare readonly executionMode: pulumi.Output<ExecutionMode | undefined>;
  declare readonly agentPoolId: pulumi.Output<string | undefined>;
  declare readonly terraformVersion: pulumi.Output<string | undefined>;
  declare readonly workingDirectory: pulumi.Output<string | undefined>;
  declare readonly autoApply: pulumi.Output<boolean>;
  declare readonly queueAllRuns: pulumi.Output<boolean>;
  declare readonly vcsRepo: pulumi.Output<VcsRepo | undefined>;
  /** The `ws-...` id (same as `id`, as a plain output for wiring). */
  declare readonly workspaceId: pulumi.Output<string>;
  /** Link to the workspace in the HCP Terraform UI. */
  declare readonly htmlUrl: pulumi.Output<string>;

  constructor(name: string, args: WorkspaceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      workspaceProvider,
      name,
      {
        organization: args.organization,
        name: args.name,
        projectId: args.projectId,
        description: args.description,
        executionMode: args.executionMode,
        agentPoolId: args.agentPoolId,
        terraformVersion: args.terraformVersion,
        workingDirectory: args.workingDirectory,
        autoApply: args.autoApply,
        queueAllRuns: args.queueAllRuns,
        vcsRepo: args.vcsRepo,
        workspaceId: undefined,
        htmlUrl: undefined,
      },
      opts,
      "tfc",
      "Workspace",
    );
  }
}
