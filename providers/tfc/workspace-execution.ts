/**
 * `tfc:WorkspaceExecution`: where an existing workspace's runs execute (`execution-mode` and its
 * agent pool), managed apart from the workspace like the tfe provider's `tfe_workspace_settings`.
 * That split is what lets a workspace run on a pool that is not organization-scoped: the workspace
 * is created with its inherited default mode, the pool allows it (AgentPoolAllowedWorkspaces), and
 * only then is it switched to agent mode here.
 *
 * API (docs/upstream-behaviour.md "HCP Terraform API"): PATCH /workspaces/:id with
 * `execution-mode`, `agent-pool-id` (the pool, or `""` to clear it) and `setting-overwrites`
 * `{execution-mode: true, agent-pool: true}`, as terraform-provider-tfe sends them. The pool is
 * read back from `relationships["agent-pool"]` (it is not a response attribute). A pool that does
 * not allow the workspace is refused with 422 "Agent pool workspace does not have access to use
 * this agent pool": recognised by status and text, since the error's pointer is not documented.
 *
 * Delete returns the workspace to its inherited default (`setting-overwrites` false for both), as
 * tfe_workspace_settings does, instead of pinning a mode. A workspace already gone (404) is fine.
 */
import * as pulumi from "@pulumi/pulumi";
import { apiError, apiRequest, isApiError, type ApiResource, ifPresent, getIfPresent } from "./client";
import {
  compact,
  configureSettings,
  connectionFor,
  containsUnknown,
  diffFields,
  isPoolNotAllowed,
  poolOf,
  text,
  type TfcProvider,
  gone,
} from "./dynamic-support";
import type { ExecutionMode } from "./workspace";

export interface WorkspaceExecutionArgs {
  /** The workspace (`ws-...`); changing it replaces this resource. */
  readonly workspaceId: pulumi.Input<string>;
  readonly executionMode: pulumi.Input<ExecutionMode>;
  /** Agent pool (`apool-...`); required with, and only allowed with, executionMode "agent". */
  readonly agentPoolId?: pulumi.Input<string>;
}

export interface WorkspaceExecutionState {
  workspaceId: string;
  executionMode: ExecutionMode;
  agentPoolId?: string;
}

const MODES: readonly string[] = ["remote", "local", "agent"];
const subject = (workspaceId: unknown) => `execution mode of workspace ${String(workspaceId)}`;

export function workspaceExecutionFailures(
  news: Partial<Record<keyof WorkspaceExecutionState, unknown>>,
): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if (typeof news.workspaceId !== "string" || news.workspaceId.trim() === "") {
    failures.push({ property: "workspaceId", reason: "workspaceId is required (a ws-... id)" });
  }
  const mode = news.executionMode;
  if (mode === undefined) {
    failures.push({
      property: "executionMode",
      reason: 'executionMode is required: "remote", "local" or "agent"',
    });
    return failures;
  }
  if (containsUnknown(mode)) return failures;
  if (typeof mode !== "string" || !MODES.includes(mode)) {
    failures.push({
      property: "executionMode",
      reason: 'executionMode must be "remote", "local" or "agent"',
    });
  } else if (mode === "agent" && (news.agentPoolId === undefined || news.agentPoolId === "")) {
    failures.push({
      property: "agentPoolId",
      reason: 'executionMode "agent" needs agentPoolId (an apool-... id)',
    });
  } else if (mode !== "agent" && news.agentPoolId !== undefined) {
    failures.push({
      property: "agentPoolId",
      reason: `agentPoolId is only allowed with executionMode "agent" (got "${mode}"): set executionMode: "agent" or remove agentPoolId`,
    });
  }
  return failures;
}

/** The pool is sent with agent mode and cleared (`""`) with any other mode; the overwrite is set. */
export function workspaceExecutionBody(state: WorkspaceExecutionState): unknown {
  return {
    data: {
      type: "workspaces",
      attributes: {
        "execution-mode": state.executionMode,
        "agent-pool-id": state.executionMode === "agent" ? state.agentPoolId : "",
        "setting-overwrites": { "execution-mode": true, "agent-pool": true },
      },
    },
  };
}

/** Back to the project/organization default, as tfe_workspace_settings does on delete. */
export const INHERIT_DEFAULT_BODY = {
  data: {
    type: "workspaces",
    attributes: { "setting-overwrites": { "execution-mode": false, "agent-pool": false } },
  },
};

/** The pool counts only in agent mode (tfe_workspace_settings reads it the same way). */
export function workspaceExecutionFromApi(data: ApiResource): WorkspaceExecutionState {
  const mode = text(data.attributes?.["execution-mode"], "remote") as ExecutionMode;
  return compact({
    workspaceId: data.id,
    executionMode: mode,
    agentPoolId: mode === "agent" ? poolOf(data) : undefined,
  });
}

/** PATCH the workspace; a refused pool gets the fix appended to the API's own reason. */
async function applyExecution(
  settings: TfcProvider<unknown, unknown>["settings"],
  workspaceId: string,
  body: unknown,
): Promise<void> {
  try {
    await apiRequest(connectionFor(settings), {
      method: "PATCH",
      path: `/workspaces/${encodeURIComponent(workspaceId)}`,
      body,
      subject: subject(workspaceId),
    });
  } catch (err) {
    if (isPoolNotAllowed(err) && isApiError(err)) {
      throw apiError(
        `${err.message}. Fix: allow the workspace on the pool first (tfc.AgentPoolAllowedWorkspaces, and make ` +
          "this resource dependOn it), or make the pool organization-scoped",
        err.status,
        err.pointer,
      );
    }
    throw err;
  }
}

export const workspaceExecutionProvider: TfcProvider<WorkspaceExecutionState, WorkspaceExecutionState> = {
  configure(req) {
    this.settings = configureSettings(req);
    return Promise.resolve();
  },

  check(_olds, news) {
    return Promise.resolve({ inputs: compact({ ...news }), failures: workspaceExecutionFailures(news) });
  },

  diff(_id, olds, news) {
    const result = diffFields(olds as never, news as never, {
      replaceOn: ["workspaceId"],
      updateOn: ["executionMode", "agentPoolId"],
    });
    // Leaving agent mode drops agentPoolId from the inputs: that is a change even if the mode
    // field alone looked equal (e.g. state refreshed to a mode someone set in the UI).
    const poolDropped = news.agentPoolId === undefined && olds.agentPoolId !== undefined;
    return Promise.resolve({ ...result, changes: result.changes || poolDropped });
  },

  async create(inputs) {
    await applyExecution(this.settings, inputs.workspaceId, workspaceExecutionBody(inputs));
    return { id: inputs.workspaceId, outs: { ...inputs } };
  },

  async read(id, props) {
    const workspaceId = props?.workspaceId ?? id;
    const live = await getIfPresent(
      connectionFor(this.settings),
      `/workspaces/${encodeURIComponent(workspaceId)}`,
      subject(workspaceId),
    );
    return live ? { id, props: workspaceExecutionFromApi(live) } : gone<WorkspaceExecutionState>();
  },

  async update(_id, _olds, news) {
    await applyExecution(this.settings, news.workspaceId, workspaceExecutionBody(news));
    return { outs: { ...news } };
  },

  async delete(id, props) {
    await ifPresent(applyExecution(this.settings, props.workspaceId ?? id, INHERIT_DEFAULT_BODY));
  },
};

export class WorkspaceExecution extends pulumi.dynamic.Resource {
  declare readonly workspaceId: pulumi.Output<string>;
  declare readonly executionMode: pulumi.Output<ExecutionMode>;
  declare readonly agentPoolId: pulumi.Output<string | undefined>;

  constructor(name: string, args: WorkspaceExecutionArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      workspaceExecutionProvider,
      name,
      { workspaceId: args.workspaceId, executionMode: args.executionMode, agentPoolId: args.agentPoolId },
      opts,
      "tfc",
      "WorkspaceExecution",
    );
  }
}
