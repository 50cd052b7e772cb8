/**
 * `tfc:AgentPool`: an HCP Terraform agent pool (`apool-...`).
 * API: POST /organizations/:org/agent-pools, GET|PATCH|DELETE /agent-pools/:id.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  apiRequest,
  dataOf,
  listAll,
  apiError,
  isApiError,
  organizationNotFound,
  type ApiResource,
  ifPresent,
  getIfPresent,
} from "./client";
import {
  compact,
  configureSettings,
  connectionFor,
  containsUnknown,
  diffFields,
  text,
  importHint,
  type TfcProvider,
  gone,
} from "./dynamic-support";

export interface AgentPoolArgs {
  /** Organization that owns the pool; changing it replaces the pool. */
  readonly organization: pulumi.Input<string>;
  /** Pool name, unique in the organization. */
  readonly name: pulumi.Input<string>;
  /** Whether every workspace of the organization may use the pool (API default: true). */
  readonly organizationScoped?: pulumi.Input<boolean>;
  /** Workspaces allowed to use the pool when it is not organization-scoped. */
  readonly allowedWorkspaceIds?: pulumi.Input<pulumi.Input<string>[]>;
}

/** Plain inputs and state as the provider sees them. */
export interface AgentPoolState {
  organization: string;
  name: string;
  organizationScoped: boolean;
  allowedWorkspaceIds?: string[];
}

const TYPE = "pulumi-nodejs:dynamic/tfc:AgentPool";

export function agentPoolBody(inputs: AgentPoolState): unknown {
  return {
    data: {
      type: "agent-pools",
      attributes: { name: inputs.name, "organization-scoped": inputs.organizationScoped },
      ...(inputs.allowedWorkspaceIds === undefined
        ? {}
        : {
            relationships: {
              "allowed-workspaces": {
                data: inputs.allowedWorkspaceIds.map((id) => ({ id, type: "workspaces" })),
              },
            },
          }),
    },
  };
}

/** Live pool -> state, keeping only the fields the program manages (no perpetual diffs). */
export function agentPoolFromApi(data: ApiResource, previous: Partial<AgentPoolState>): AgentPoolState {
  const attrs = data.attributes ?? {};
  const allowed = data.relationships?.["allowed-workspaces"]?.data;
  const liveAllowed = Array.isArray(allowed) ? (allowed as { id: string }[]).map((w) => w.id).sort() : [];
  const orgRel = data.relationships?.organization?.data as { id?: string } | undefined;
  return compact({
    organization: orgRel?.id ?? previous.organization ?? "",
    name: text(attrs.name, previous.name ?? ""),
    organizationScoped:
      attrs["organization-scoped"] === undefined ? true : Boolean(attrs["organization-scoped"]),
    allowedWorkspaceIds: previous.allowedWorkspaceIds === undefined ? undefined : liveAllowed,
  });
}

const subject = (name: unknown) => `agent pool "${String(name)}"`;

export const agentPoolProvider: TfcProvider<AgentPoolState, AgentPoolState> = {
  configure(req) {
    this.settings = configureSettings(req);
    return Promise.resolve();
  },

  check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    for (const key of ["organization", "name"] as const) {
      const v: unknown = news[key];
      if (typeof v !== "string" || v.trim() === "")
        failures.push({ property: key, reason: `${key} is required` });
    }
    const inputs = compact({
      organization: news.organization,
      name: news.name,
      organizationScoped: news.organizationScoped ?? true,
      // Order does not matter to the API: sort so a reordered list is not a change.
      allowedWorkspaceIds: Array.isArray(news.allowedWorkspaceIds)
        ? containsUnknown(news.allowedWorkspaceIds)
          ? news.allowedWorkspaceIds
          : [...news.allowedWorkspaceIds].sort()
        : news.allowedWorkspaceIds,
    });
    return Promise.resolve({ inputs, failures });
  },

  diff(_id, olds, news) {
    return Promise.resolve(
      diffFields(olds as never, news as never, {
        replaceOn: ["organization"],
        updateOn: ["name", "organizationScoped", "allowedWorkspaceIds"],
      }),
    );
  },

  async create(inputs) {
    const conn = connectionFor(this.settings);
    try {
      const res = await apiRequest(conn, {
        method: "POST",
        path: `/organizations/${encodeURIComponent(inputs.organization)}/agent-pools`,
        body: agentPoolBody(inputs),
        subject: subject(inputs.name),
      });
      return { id: dataOf(res, subject(inputs.name)).id, outs: { ...inputs } };
    } catch (err) {
      if (isApiError(err, 404)) throw organizationNotFound(err, inputs.organization, subject(inputs.name));
      if (isApiError(err, 422) && err.pointer === "/data/attributes/name") {
        const pools = await listAll(
          conn,
          `/organizations/${encodeURIComponent(inputs.organization)}/agent-pools`,
          `agent pools of "${inputs.organization}"`,
        ).catch(() => []);
        const existing = pools.find((p) => p.attributes?.name === inputs.name)?.id;
        throw apiError(err.message + importHint(TYPE, existing), err.status, err.pointer);
      }
      throw err;
    }
  },

  async read(id, props) {
    const previous = props ?? ({} as Partial<AgentPoolState>);
    const live = await getIfPresent(
      connectionFor(this.settings),
      `/agent-pools/${encodeURIComponent(id)}`,
      subject(previous.name ?? id),
    );
    return live ? { id, props: agentPoolFromApi(live, previous) } : gone<AgentPoolState>();
  },

  async update(id, _olds, news) {
    await apiRequest(connectionFor(this.settings), {
      method: "PATCH",
      path: `/agent-pools/${encodeURIComponent(id)}`,
      body: agentPoolBody(news),
      subject: subject(news.name),
    });
    return { outs: { ...news } };
  },

  async delete(id, props) {
    await ifPresent(
      apiRequest(connectionFor(this.settings), {
        method: "DELETE",
        path: `/agent-pools/${encodeURIComponent(id)}`,
        subject: subject(props.name ?? id),
      }),
    );
  },
};

export class AgentPool extends pulumi.dynamic.Resource {
  declare readonly organization: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly organizationScoped: pulumi.Output<boolean>;
  declare readonly allowedWorkspaceIds: pulumi.Output<string[] | undefined>;

  constructor(name: string, args: AgentPoolArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      agentPoolProvider,
      name,
      {
        organization: args.organization,
        name: args.name,
        organizationScoped: args.organizationScoped,
        allowedWorkspaceIds: args.allowedWorkspaceIds,
      },
      opts,
      "tfc",
      "AgentPool",
    );
  }
}
