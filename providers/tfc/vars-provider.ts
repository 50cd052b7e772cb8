/**
 * The one implementation of an HCP Terraform variable (`vars`, `var-...`), shared by workspace
 * variables (`tfc:Variable`, /workspaces/:id/vars) and variable-set variables
 * (`tfc:VariableSetVariable`, /varsets/:id/relationships/vars): the same attributes, the same
 * write-only sensitive values, under a different parent (docs/upstream-behaviour.md
 * "HCP Terraform API"). The value is secret in state; a sensitive value is never returned by the
 * API, so refresh keeps the stored one and a diff compares against what we last wrote.
 *
 * `makeVarsProvider` returns a plain object whose methods close over a plain `VarParent` (strings
 * and arrow functions only), which Pulumi's closure serializer carries by value.
 */
import type * as pulumi from "@pulumi/pulumi";
import { apiRequest, dataOf, listAll, apiError, isApiError, type ApiResource, ifPresent } from "./client";
import {
  compact,
  configureSettings,
  connectionFor,
  diffFields,
  text,
  importHint,
  UNKNOWN,
  type TfcProvider,
  gone,
} from "./dynamic-support";

export type VariableCategory = "env" | "terraform";

/** The fields every variable has, whatever its parent. */
export interface VarFields {
  key: string;
  value: string;
  category: VariableCategory;
  sensitive: boolean;
  hcl: boolean;
  description?: string;
}

/** Where the variables live. */
export interface VarParent {
  /** Input naming the parent: `workspaceId` or `variableSetId`. */
  readonly field: string;
  /** For messages: `workspace`, `variable set`. */
  readonly noun: string;
  /** For check failures: `a ws-... id`. */
  readonly idHint: string;
  /** Pulumi type token, for the import hint. */
  readonly type: string;
  /** Collection path (POST, GET list) under /api/v2. */
  readonly collection: (parentId: string) => string;
}

type Inputs = VarFields & Record<string, unknown>;

/** The parent id of a variable's inputs, or "" when absent. */
function ownerOf(parent: VarParent, v: unknown): string {
  const id = (v as Record<string, unknown> | undefined)?.[parent.field];
  return typeof id === "string" ? id : "";
}

/** Never the value: messages name the variable by key, category and parent only. */
function subjectOf(parent: VarParent, v: Partial<Inputs>): string {
  return `${String(v.category ?? "")} variable "${String(v.key ?? "")}" of ${parent.noun} ${ownerOf(parent, v)}`;
}

export function variableBody(inputs: VarFields, id?: string): unknown {
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

/** Live variable -> state fields; a sensitive (write-only) value keeps what we stored. */
export function varFieldsFromApi(data: ApiResource, previous: Partial<VarFields>): VarFields {
  const a = data.attributes ?? {};
  const sensitive = Boolean(a.sensitive);
  const liveValue = a.value;
  return compact({
    key: text(a.key, previous.key ?? ""),
    value: sensitive || typeof liveValue !== "string" ? (previous.value ?? "") : liveValue,
    category: text(a.category, previous.category ?? "") as VariableCategory,
    sensitive,
    hcl: Boolean(a.hcl),
    description:
      previous.description === undefined ? undefined : typeof a.description === "string" ? a.description : "",
  });
}

export function makeVarsProvider<T extends VarFields>(parent: VarParent): TfcProvider<T, T> {
  const subject = (v: Partial<T>) => subjectOf(parent, v);
  const parentId = (v: Partial<T>) => ownerOf(parent, v);
  const item = (v: Partial<T>, id: string) => `${parent.collection(parentId(v))}/${encodeURIComponent(id)}`;

  return {
    configure(req) {
      this.settings = configureSettings(req);
      return Promise.resolve();
    },

    check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      const owner = (news as unknown as Partial<Inputs>)[parent.field];
      if (typeof owner !== "string" || owner === "") {
        failures.push({ property: parent.field, reason: `${parent.field} is required (${parent.idHint})` });
      }
      if (typeof news.key !== "string" || news.key === "")
        failures.push({ property: "key", reason: "key is required" });
      if (typeof news.value !== "string")
        failures.push({ property: "value", reason: "value is required (a string)" });
      if ((news.category as string) !== UNKNOWN && news.category !== "env" && news.category !== "terraform") {
        failures.push({ property: "category", reason: 'category must be "env" or "terraform"' });
      }
      const inputs = compact({
        [parent.field]: owner,
        key: news.key,
        value: news.value,
        category: news.category,
        sensitive: news.sensitive ?? false,
        hcl: news.hcl ?? false,
        description: news.description,
      }) as unknown as T;
      return Promise.resolve({ inputs, failures });
    },

    diff(_id, olds, news) {
      const { changes, replaces } = diffFields(olds as never, news as never, {
        replaceOn: [parent.field, "key", "category"],
        updateOn: ["value", "sensitive", "hcl", "description"],
      });
      // HCP Terraform cannot make a sensitive variable readable again: a new variable is needed.
      if (olds.sensitive === true && news.sensitive === false) replaces.push("sensitive");
      // The replacement has the same parent/key/category (only `sensitive` changed), and two
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
          path: parent.collection(parentId(inputs)),
          body: variableBody(inputs),
          subject: subject(inputs),
        });
        return { id: dataOf(res, subject(inputs)).id, outs: { ...inputs } };
      } catch (err) {
        if (isApiError(err, 422) && err.pointer === "/data/attributes/key") {
          const vars = await listAll(conn, parent.collection(parentId(inputs)), subject(inputs)).catch(
            () => [],
          );
          const existing = vars.find(
            (v) => v.attributes?.key === inputs.key && v.attributes?.category === inputs.category,
          )?.id;
          throw apiError(err.message + importHint(parent.type, existing), err.status, err.pointer);
        }
        throw err;
      }
    },

    async read(id, props) {
      const previous = props ?? ({} as Partial<T>);
      if (!parentId(previous)) {
        throw new Error(
          `cannot read variable ${id} without its ${parent.field}; import it with the ${parent.field} input set`,
        );
      }
      const vars = await ifPresent(
        listAll(connectionFor(this.settings), parent.collection(parentId(previous)), subject(previous)),
      );
      if (vars === undefined) return gone<T>();
      const live = vars.find((v) => v.id === id);
      if (!live) return gone<T>();
      const fields = varFieldsFromApi(live, previous);
      return { id, props: { [parent.field]: parentId(previous), ...fields } as unknown as T };
    },

    async update(id, _olds, news) {
      const res = await apiRequest(connectionFor(this.settings), {
        method: "PATCH",
        path: item(news, id),
        body: variableBody(news, id),
        subject: subject(news),
      });
      dataOf(res, subject(news));
      return { outs: { ...news } };
    },

    async delete(id, props) {
      await ifPresent(
        apiRequest(connectionFor(this.settings), {
          method: "DELETE",
          path: item(props, id),
          subject: subject(props),
        }),
      );
    },
  };
}
