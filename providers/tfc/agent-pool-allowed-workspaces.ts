/**
 * `tfc:AgentPoolAllowedWorkspaces`: workspaces allowed to run on an agent pool that is not
 * organization-scoped. The counterpart of the tfe provider's `tfe_agent_pool_allowed_workspaces`,
 * with one difference on purpose: it is not authoritative. It adds its workspaces to whatever the
 * pool already allows and removes only its own on delete, so two stacks (or a person in the UI)
 * can allow their workspaces on one pool without undoing each other.
 *
 * API (HCP Terraform agents.mdx "Update an Agent Pool"; go-tfe `UpdateAllowedWorkspaces`):
 * GET /agent-pools/:id lists `relationships.allowed-workspaces.data`; PATCH /agent-pools/:id with
 * `relationships.allowed-workspaces.data = [{id, type: "workspaces"}]` REPLACES the list (the tfe
 * provider sends the whole set and clears with []). Confirmed: the relationship name, its data
 * shape and replace semantics. Assumed: a workspace id of another organization is refused with
 * 422 (our double does that). There is no add/remove endpoint, so every change is
 * read-modify-write: a writer between our GET and PATCH can be undone (narrow window; the next
 * refresh shows it).
 */
import * as pulumi from "@pulumi/pulumi";
import { apiRequest, type ApiResource, ifPresent, getIfPresent } from "./client";
import type { TfcConnection } from "./credentials";
import {
  configureSettings,
  connectionFor,
  containsUnknown,
  diffFields,
  sameValue,
  type TfcProvider,
  gone,
} from "./dynamic-support";

export interface AgentPoolAllowedWorkspacesArgs {
  /** The pool (`apool-...`), normally `organizationScoped: false`; changing it replaces this resource. */
  readonly agentPoolId: pulumi.Input<string>;
  /** Workspaces (`ws-...`) this resource allows on the pool. */
  readonly workspaceIds: pulumi.Input<pulumi.Input<string>[]>;
}

export interface AgentPoolAllowedWorkspacesState {
  agentPoolId: string;
  /** Sorted, without duplicates; only the workspaces this resource manages. */
  workspaceIds: string[];
}

const subject = (poolId: unknown) => `allowed workspaces of agent pool ${String(poolId)}`;

/** Sorted and de-duplicated, so order and repeats never show as a change. */
export function normaliseIds(ids: readonly string[]): string[] {
  return [...new Set(ids)].sort();
}

/** The ids in a pool's `allowed-workspaces` relationship, sorted. */
export function allowedIdsOf(pool: ApiResource): string[] {
  const data = pool.relationships?.["allowed-workspaces"]?.data;
  if (!Array.isArray(data)) return [];
  return normaliseIds(
    (data as { id?: unknown }[]).map((w) => w?.id).filter((id): id is string => typeof id === "string"),
  );
}

export function allowedWorkspacesBody(ids: readonly string[]): unknown {
  return {
    data: {
      type: "agent-pools",
      relationships: { "allowed-workspaces": { data: ids.map((id) => ({ id, type: "workspaces" })) } },
    },
  };
}

export function allowedWorkspacesFailures(
  news: Partial<Record<keyof AgentPoolAllowedWorkspacesState, unknown>>,
): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const pool = news.agentPoolId;
  if (typeof pool !== "string" || pool.trim() === "") {
    failures.push({ property: "agentPoolId", reason: "agentPoolId is required (an apool-... id)" });
  }
  const ids = news.workspaceIds;
  // During preview the whole list, or entries of it, may still be unknown.
  if (containsUnknown(ids)) return failures;
  if (!Array.isArray(ids) || ids.length === 0) {
    failures.push({
      property: "workspaceIds",
      reason: "workspaceIds must list at least one workspace id (ws-...); delete the resource to allow none",
    });
  } else if (ids.some((id) => typeof id !== "string" || !id.startsWith("ws-"))) {
    failures.push({ property: "workspaceIds", reason: "every entry of workspaceIds must be a ws-... id" });
  }
  return failures;
}

/** GET the pool; undefined when it is gone (404). */
function livePool(conn: TfcConnection, poolId: string): Promise<ApiResource | undefined> {
  return getIfPresent(conn, `/agent-pools/${encodeURIComponent(poolId)}`, subject(poolId));
}

/**
 * Moves the pool's list from `live` to `live - remove + add`, leaving every other workspace as it
 * is; no PATCH when nothing would change (an up with nothing to do costs one GET).
 */
async function reconcile(
  conn: TfcConnection,
  poolId: string,
  live: readonly string[],
  remove: readonly string[],
  add: readonly string[],
): Promise<void> {
  const next = normaliseIds([...live.filter((id) => !remove.includes(id)), ...add]);
  if (sameValue(next, normaliseIds(live))) return;
  await apiRequest(conn, {
    method: "PATCH",
    path: `/agent-pools/${encodeURIComponent(poolId)}`,
    body: allowedWorkspacesBody(next),
    subject: subject(poolId),
  });
}

export const agentPoolAllowedWorkspacesProvider: TfcProvider<
  AgentPoolAllowedWorkspacesState,
  AgentPoolAllowedWorkspacesState
> = {
  configure(req) {
    this.settings = configureSettings(req);
    return Promise.resolve();
  },

  check(_olds, news) {
    const ids: unknown = news.workspaceIds;
    const inputs = {
      agentPoolId: news.agentPoolId,
      workspaceIds:
        Array.isArray(ids) && !containsUnknown(ids) && ids.every((id) => typeof id === "string")
          ? normaliseIds(ids)
          : (ids as string[]),
    };
    return Promise.resolve({ inputs, failures: allowedWorkspacesFailures(news) });
  },

  diff(_id, olds, news) {
    return Promise.resolve(
      diffFields(olds as never, news as never, { replaceOn: ["agentPoolId"], updateOn: ["workspaceIds"] }),
    );
  },

  async create(inputs) {
    const conn = connectionFor(this.settings);
    const pool = await livePool(conn, inputs.agentPoolId);
    if (pool === undefined) {
      throw new Error(
        `HCP Terraform found no agent pool ${inputs.agentPoolId} (404: it does not exist or the token cannot see it): ` +
          "create the pool first (dependsOn) or fix agentPoolId",
      );
    }
    await reconcile(conn, inputs.agentPoolId, allowedIdsOf(pool), [], inputs.workspaceIds);
    // The pool id identifies the allow-list, as in the tfe provider.
    return { id: inputs.agentPoolId, outs: { ...inputs } };
  },

  async read(id, props) {
    const poolId = props?.agentPoolId ?? id;
    const pool = await livePool(connectionFor(this.settings), poolId);
    if (pool === undefined) return gone<AgentPoolAllowedWorkspacesState>();
    const live = allowedIdsOf(pool);
    // Only our workspaces that are still allowed: one removed outside Pulumi shows as a change
    // (and the next up adds it back); workspaces allowed by others are none of our business.
    const ours = normaliseIds(props?.workspaceIds ?? []).filter((ws) => live.includes(ws));
    return { id, props: { agentPoolId: poolId, workspaceIds: ours } };
  },

  async update(_id, olds, news) {
    const conn = connectionFor(this.settings);
    const pool = await livePool(conn, news.agentPoolId);
    if (pool === undefined) {
      throw new Error(
        `HCP Terraform found no agent pool ${news.agentPoolId} (404): it was deleted outside Pulumi; run pulumi refresh, then pulumi up`,
      );
    }
    const dropped = (olds.workspaceIds ?? []).filter((ws) => !news.workspaceIds.includes(ws));
    await reconcile(conn, news.agentPoolId, allowedIdsOf(pool), dropped, news.workspaceIds);
    return { outs: { ...news } };
  },

  async delete(id, props) {
    const conn = connectionFor(this.settings);
    const poolId = props.agentPoolId ?? id;
    const pool = await livePool(conn, poolId);
    if (pool === undefined) return;
    await ifPresent(reconcile(conn, poolId, allowedIdsOf(pool), props.workspaceIds ?? [], []));
  },
};

export class AgentPoolAllowedWorkspaces extends pulumi.dynamic.Resource {
  declare readonly agentPoolId: pulumi.Output<string>;
  declare readonly workspaceIds: pulumi.Output<string[]>;

  constructor(name: string, args: AgentPoolAllowedWorkspacesArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      agentPoolAllowedWorkspacesProvider,
      name,
      { agentPoolId: args.agentPoolId, workspaceIds: args.workspaceIds },
      opts,
      "tfc",
      "AgentPoolAllowedWorkspaces",
    );
  }
}
