/**
 * The response fields HCP Terraform documents, per JSON:API type, from the sample responses and
 * field tables of the API docs (docs/upstream-behaviour.md "HCP Terraform API"): agents.mdx,
 * agent-tokens.mdx, workspaces.mdx, workspace-variables.mdx, variable-sets.mdx, index.mdx (errors,
 * pagination).
 * Tests check every answer of the API double against this, so the double cannot grow a field the
 * real API does not have and the providers cannot come to rely on one.
 */

interface Shape {
  readonly attributes: readonly string[];
  readonly relationships: readonly string[];
}

export const DOCUMENTED: Record<string, Shape> = {
  // agents.mdx "Show an Agent Pool", "List Agent Pools".
  "agent-pools": {
    attributes: ["name", "created-at", "organization-scoped", "agent-count"],
    relationships: [
      "agents",
      "authentication-tokens",
      "workspaces",
      "allowed-workspaces",
      "excluded-workspaces",
      "stacks",
      "allowed-stacks",
      "excluded-stacks",
      "allowed-projects",
      "allowed-modules",
      "excluded-modules",
    ],
  },
  // agent-tokens.mdx "Create an Agent Token", "List Agent Tokens".
  "authentication-tokens": {
    attributes: ["created-at", "last-used-at", "description", "token"],
    relationships: ["created-by"],
  },
  // workspaces.mdx "Show workspace" sample response (a subset of its many attributes).
  workspaces: {
    attributes: [
      "name",
      "description",
      "execution-mode",
      "setting-overwrites",
      "auto-apply",
      "queue-all-runs",
      "terraform-version",
      "working-directory",
      "vcs-repo",
      "created-at",
      "updated-at",
      "locked",
    ],
    relationships: [
      "organization",
      "project",
      "agent-pool",
      "current-run",
      "latest-run",
      "locked-by",
      "vars",
    ],
  },
  // workspace-variables.mdx "Create a Variable"; variable-sets.mdx "List Variables in a Variable Set".
  vars: {
    attributes: ["key", "value", "description", "sensitive", "category", "hcl", "version-id", "created-at"],
    relationships: ["configurable", "varset"],
  },
  // variable-sets.mdx "Show Variable Set"; go-tfe variable_set.go (`priority`, `parent`).
  varsets: {
    attributes: [
      "name",
      "description",
      "global",
      "priority",
      "updated-at",
      "var-count",
      "workspace-count",
      "project-count",
    ],
    relationships: ["organization", "vars", "workspaces", "projects", "parent"],
  },
};

/** workspaces.mdx `vcs-repo` object. */
const VCS_REPO = [
  "branch",
  "ingress-submodules",
  "identifier",
  "display-identifier",
  "oauth-token-id",
  "webhook-url",
  "repository-http-url",
  "service-provider",
  "github-app-installation-id",
  "tags-regex",
];

/** Every field of a response body the docs do not show, as `path` strings (empty when none). */
export function undocumentedFields(body: unknown): string[] {
  if (body === undefined) return [];
  const problems: string[] = [];
  const doc = body as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!["data", "errors", "links", "meta", "included"].includes(key)) problems.push(key);
  }
  if (Array.isArray(doc.errors)) {
    for (const e of doc.errors as Record<string, unknown>[]) {
      for (const key of Object.keys(e)) {
        if (!["status", "title", "detail", "source"].includes(key)) problems.push(`errors[].${key}`);
      }
      const source = e.source as Record<string, unknown> | undefined;
      for (const key of Object.keys(source ?? {})) {
        if (key !== "pointer") problems.push(`errors[].source.${key}`);
      }
    }
  }
  const meta = doc.meta as { pagination?: Record<string, unknown> } | undefined;
  for (const key of Object.keys(meta?.pagination ?? {})) {
    if (!["current-page", "prev-page", "next-page", "total-pages", "total-count"].includes(key)) {
      problems.push(`meta.pagination.${key}`);
    }
  }
  const items = Array.isArray(doc.data) ? doc.data : doc.data === undefined ? [] : [doc.data];
  for (const item of items as { type?: string; attributes?: object; relationships?: object }[]) {
    const shape = DOCUMENTED[String(item.type)];
    if (!shape) {
      problems.push(`data.type ${String(item.type)}`);
      continue;
    }
    for (const key of Object.keys(item.attributes ?? {})) {
      if (!shape.attributes.includes(key)) problems.push(`${String(item.type)}.attributes.${key}`);
    }
    for (const key of Object.keys(item.relationships ?? {})) {
      if (!shape.relationships.includes(key)) problems.push(`${String(item.type)}.relationships.${key}`);
    }
    const vcs = (item.attributes as Record<string, unknown> | undefined)?.["vcs-repo"];
    for (const key of Object.keys((vcs as object | null) ?? {})) {
      if (!VCS_REPO.includes(key)) problems.push(`workspaces.attributes.vcs-repo.${key}`);
    }
  }
  return problems;
}
