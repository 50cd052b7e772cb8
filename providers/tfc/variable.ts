/**
 * `tfc:Variable`: a workspace variable (`var-...`). Its value is secret in state. A sensitive
 * variable is write-only upstream (the API returns no value), so refresh keeps the stored value
 * and a diff compares against what we last wrote: no perpetual diff.
 * API: POST|GET /workspaces/:id/vars, PATCH|DELETE /workspaces/:id/vars/:var_id.
 */
import * as pulumi from "@pulumi/pulumi";
import { apiRequest, dataOf, isNotFound, listAll, apiError, isApiError, type ApiResource } from "./client";
import {
  compact,
  configureSettings,
  connectionFor,
  diffFields,
  text,
  importHint,
  UNKNOWN,
  type TfcProvider,
} from "./dynamic-support";
import { withSecretOutputs } from "./secret-outputs";

export type VariableCategory = "env" | "terraform";

export interface VariableArgs {
  /** Workspace (`ws-...`); changing it replaces the variable. */
  readonly workspaceId: pulumi.Input<string>;
  /** Variable name; changing it replaces the variable. */
  readonly key: pulumi.Input<string>;
  /** The value; always stored as a secret in Pulumi state. */
  readonly value: pulumi.Input<string>;
  /** `env` (process environment) or `terraform` (input variable); changing it replaces the variable. */
  readonly category: pulumi.Input<VariableCategory>;
  /** Write-only in HCP Terraform once set (default false). Turning it off replaces the variable. */
  readonly sensitive?: pulumi.Input<boolean>;
  /** Parse the value as HCL (terraform category; default false). */
  readonly hcl?: pulumi.Input<boolean>;
  readonly description?: pulumi.Input<string>;
}

export interface VariableInputs {
  workspaceId: string;
  key: string;
  value: string;
  category: VariableCategory;
  sensitive: boolean;
  hcl: boolean;
  description?: string;
}

const TYPE = "pulumi-nodejs:dynamic/tfc:Variable";
/** Never the value: messages name the variable by key, category and workspace only. */
const subject = (v: Partial<VariableInputs>) =>
  `${String(v.category ?? "")} variable "${String(v.key ?? "")}" of workspace ${String(v.workspaceId ?? "")}`;

export function variableBody(inputs: VariableInputs, id?: string): unknown {
  return {
    data: {
      type: "vars",
      ...(id ? { id } : {}),
      attributes: compact({
        key: inputs.key,
        value: inputs.value,
        category: inputs.category,
        sensitive: inputs.sensitive,
        hcl: inputs.hcl,
        description: inputs.description,
      }),
    },
  };
}

/** Live variable -> state; a sensitive (write-only) value keeps what we stored. */
export function variableFromApi(data: ApiResource, previous: Partial<VariableInputs>): VariableInputs {
  const a = data.attributes ?? {};
  const sensitive = Boolean(a.sensitive);
  const liveValue = a.value;
  return compact({
    workspaceId: previous.workspaceId ?? "",
    key: text(a.key, previous.key ?? ""),
    value: sensitive || typeof liveValue !== "string" ? (previous.value ?? "") : liveValue,
    category: text(a.category, previous.category ?? "") as VariableCategory,
    sensitive,
    hcl: Boolean(a.hcl),
    description:
      previous.description === undefined ? undefined : typeof a.description === "string" ? a.description : "",
  });
}

export const variableProvider: TfcProvider<VariableInputs, VariableInputs> = {
  configure(req) {
    this.settings = configureSettings(req);
    return Promise.resolve();
  },

  check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (typeof news.workspaceId !== "string" || news.workspaceId === "") {
      failures.push({ property: "workspaceId", reason: "workspaceId is required (a ws-... id)" });
    }
    if (typeof news.key !== "string" || news.key === "")
      failures.push({ property: "key", reason: "key is required" });
    if (typeof news.value !== "string")
      failures.push({ property: "value", reason: "value is required (a string)" });
    if ((news.category as string) !== UNKNOWN && news.category !== "env" && news.category !== "terraform") {
      failures.push({ property: "category", reason: 'category must be "env" or "terraform"' });
    }
    const inputs = compact({
      workspaceId: news.workspaceId,
      key: news.key,
      value: news.value,
      category: news.category,
      sensitive: news.sensitive ?? false,
      hcl: news.hcl ?? false,
      description: news.description,
    });
    return Promise.resolve({ inputs, failures });
  },

  diff(_id, olds, news) {
    const { changes, replaces } = diffFields(olds as never, news as never, {
      replaceOn: ["workspaceId", "key", "category"],
      updateOn: ["value", "sensitive", "hcl", "description"],
    });
    // HCP Terraform cannot make a sensitive variable readable again: a new variable is needed.
    if (olds.sensitive === true && news.sensitive === false) replaces.push("sensitive");
    // The replacement has the same workspace/key/category (only `sensitive` changed), and two
    // variables with one key and category cannot coexist: delete the old one first.
    const sameSlot = replaces.length > 0 && replaces.every((field) => field === "sensitive");
    return Promise.resolve({
      changes: changes || replaces.length > 0,
      replaces,
      deleteBeforeReplace: sameSlot,
    });
  },

  async create(inputs) {
    const conn = connectionFor(this.settings);
    try {
      const res = await apiRequest(conn, {
        method: "POST",
        path: `/workspaces/${encodeURIComponent(inputs.workspaceId)}/vars`,
        body: variableBody(inputs),
        subject: subject(inputs),
      });
      return { id: dataOf(res, subject(inputs)).id, outs: { ...inputs } };
    } catch (err) {
      if (isApiError(err, 422) && err.pointer === "/data/attributes/key") {
        const vars = await listAll(
          conn,
          `/workspaces/${encodeURIComponent(inputs.workspaceId)}/vars`,
          subject(inputs),
        ).catch(() => []);
        const existing = vars.find(
          (v) => v.attributes?.key === inputs.key && v.attributes?.category === inputs.category,
        )?.id;
        throw apiError(err.message + importHint(TYPE, existing), err.status, err.pointer);
      }
      throw err;
    }
  },

  async read(id, props) {
    const previous = props ?? ({} as Partial<VariableInputs>);
    if (!previous.workspaceId) {
      throw new Error(
        `cannot read variable ${id} without its workspaceId; import it with the workspaceId input set`,
      );
    }
    let vars;
    try {
      vars = await listAll(
        connectionFor(this.settings),
        `/workspaces/${encodeURIComponent(previous.workspaceId)}/vars`,
        subject(previous),
      );
    } catch (err) {
      if (isNotFound(err)) return { id: "", props: {} as VariableInputs };
      throw err;
    }
    const live = vars.find((v) => v.id === id);
    return live ? { id, props: variableFromApi(live, previous) } : { id: "", props: {} as VariableInputs };
  },

  async update(id, _olds, news) {
    const res = await apiRequest(connectionFor(this.settings), {
      method: "PATCH",
      path: `/workspaces/${encodeURIComponent(news.workspaceId)}/vars/${encodeURIComponent(id)}`,
      body: variableBody(news, id),
      subject: subject(news),
    });
    dataOf(res, subject(news));
    return { outs: { ...news } };
  },

  async delete(id, props) {
    try {
      await apiRequest(connectionFor(this.settings), {
        method: "DELETE",
        path: `/workspaces/${encodeURIComponent(props.workspaceId)}/vars/${encodeURIComponent(id)}`,
        subject: subject(props),
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  },
};

export class Variable extends pulumi.dynamic.Resource {
  declare readonly workspaceId: pulumi.Output<string>;
  declare readonly key: pulumi.Output<string>;
  /** Always a secret Output. */
  declare readonly value: pulumi.Output<string>;
  declare readonly category: pulumi.Output<VariableCategory>;
  declare readonly sensitive: pulumi.Output<boolean>;
  declare readonly hcl: pulumi.Output<boolean>;
  declare readonly description: pulumi.Output<string | undefined>;

  constructor(name: string, args: VariableArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      variableProvider,
      name,
      {
        workspaceId: args.workspaceId,
        key: args.key,
        // Secret as an input too: state keeps both inputs and outputs, and values set for the
        // hooks (Vault roles, addresses) or by users are often credentials.
        value: pulumi.secret(args.value),
        category: args.category,
        sensitive: args.sensitive,
        hcl: args.hcl,
        description: args.description,
      },
      withSecretOutputs(opts, ["value"]),
      "tfc",
      "Variable",
    );
  }
}
