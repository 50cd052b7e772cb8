/**
 * `tfc:VariableSet`: an HCP Terraform variable set (`varsets`, `varset-...`), for settings shared
 * by several workspaces or projects. Its variables are `tfc:VariableSetVariable`s and where it
 * applies is `tfc:VariableSetAttachment`s; this resource never sends the `workspaces`, `projects`
 * or `vars` relationships, so an update never clears what those manage (a PATCH with an empty
 * list would). API (docs/upstream-behaviour.md "HCP Terraform API"): POST
 * /organizations/:org/varsets, GET|PATCH|DELETE /varsets/:id.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  apiError,
  apiRequest,
  dataOf,
  isApiError,
  listAll,
  organizationNotFound,
  type ApiResource,
  ifPresent,
  getIfPresent,
} from "./client";
import {
  compact,
  configureSettings,
  connectionFor,
  diffFields,
  importHint,
  text,
  type TfcProvider,
  gone,
} from "./dynamic-support";

export interface VariableSetArgs {
  /** Organization that owns the set; changing it replaces the set. */
  readonly organization: pulumi.Input<string>;
  /** Unique in the organization; renaming is an in-place update. */
  readonly name: pulumi.Input<string>;
  readonly description?: pulumi.Input<string>;
  /** Applies to every workspace of the organization (default false); attachments are then refused. */
  readonly global?: pulumi.Input<boolean>;
  /** Its values override more specific ones, command line included (default false). */
  readonly priority?: pulumi.Input<boolean>;
}

export interface VariableSetState {
  organization: string;
  name: string;
  description?: string;
  global: boolean;
  priority: boolean;
}

const TYPE = "pulumi-nodejs:dynamic/tfc:VariableSet";
const subject = (name: unknown) => `variable set "${String(name)}"`;

export function variableSetBody(inputs: VariableSetState): unknown {
  return {
    data: {
      type: "varsets",
      attributes: compact({
        name: inputs.name,
        description: inputs.description,
        global: inputs.global,
        priority: inputs.priority,
      }),
    },
  };
}

/** Live set -> state; an unmanaged description never shows as drift. */
export function variableSetFromApi(data: ApiResource, previous: Partial<VariableSetState>): VariableSetState {
  const a = data.attributes ?? {};
  const org = (data.relationships?.organization?.data as { id?: string } | undefined)?.id;
  return compact({
    organization: org ?? previous.organization ?? "",
    name: text(a.name, previous.name ?? ""),
    description: previous.description === undefined ? undefined : text(a.description),
    global: Boolean(a.global),
    priority: Boolean(a.priority),
  });
}

export const variableSetProvider: TfcProvider<VariableSetState, VariableSetState> = {
  configure(req) {
    this.settings = configureSettings(req);
    return Promise.resolve();
  },

  check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (typeof news.organization !== "string" || news.organization === "") {
      failures.push({ property: "organization", reason: "organization is required" });
    }
    if (typeof news.name !== "string" || news.name.trim() === "") {
      failures.push({ property: "name", reason: "name is required" });
    }
    const inputs = compact({
      organization: news.organization,
      name: news.name,
      description: news.description,
      global: news.global ?? false,
      priority: news.priority ?? false,
    });
    return Promise.resolve({ inputs, failures });
  },

  diff(_id, olds, news) {
    return Promise.resolve(
      diffFields(olds as never, news as never, {
        replaceOn: ["organization"],
        updateOn: ["name", "description", "global", "priority"],
      }),
    );
  },

  async create(inputs) {
    const conn = connectionFor(this.settings);
    const collection = `/organizations/${encodeURIComponent(inputs.organization)}/varsets`;
    try {
      const res = await apiRequest(conn, {
        method: "POST",
        path: collection,
        body: variableSetBody(inputs),
        subject: subject(inputs.name),
      });
      return { id: dataOf(res, subject(inputs.name)).id, outs: { ...inputs } };
    } catch (err) {
      if (isApiError(err, 404)) throw organizationNotFound(err, inputs.organization, subject(inputs.name));
      if (isApiError(err, 422)) {
        // A name clash is the usual 422: name the existing set if there is one.
        const sets = await listAll(conn, collection, `variable sets of "${inputs.organization}"`).catch(
          () => [],
        );
        const existing = sets.find((s) => s.attributes?.name === inputs.name)?.id;
        if (existing) throw apiError(err.message + importHint(TYPE, existing), err.status, err.pointer);
      }
      throw err;
    }
  },

  async read(id, props) {
    const previous = props ?? ({} as Partial<VariableSetState>);
    const live = await getIfPresent(
      connectionFor(this.settings),
      `/varsets/${encodeURIComponent(id)}`,
      subject(previous.name ?? id),
    );
    return live ? { id, props: variableSetFromApi(live, previous) } : gone<VariableSetState>();
  },

  async update(id, _olds, news) {
    await apiRequest(connectionFor(this.settings), {
      method: "PATCH",
      path: `/varsets/${encodeURIComponent(id)}`,
      body: variableSetBody(news),
      subject: subject(news.name),
    });
    return { outs: { ...news } };
  },

  async delete(id, props) {
    await ifPresent(
      apiRequest(connectionFor(this.settings), {
        method: "DELETE",
        path: `/varsets/${encodeURIComponent(id)}`,
        subject: subject(props.name ?? id),
      }),
    );
  },
};

export class VariableSet extends pulumi.dynamic.Resource {
  declare readonly organization: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string | undefined>;
  declare readonly global: pulumi.Output<boolean>;
  declare readonly priority: pulumi.Output<boolean>;

  constructor(name: string, args: VariableSetArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      variableSetProvider,
      name,
      {
        organization: args.organization,
        name: args.name,
        description: args.description,
        global: args.global,
        priority: args.priority,
      },
      opts,
      "tfc",
      "VariableSet",
    );
  }
}
