/**
 * The `path` stanzas of a Vault ACL policy, from its HCL or JSON text. Vault accepts both; the
 * pack reads `path "<p>" { capabilities = [...] }` blocks and the JSON form
 * `{"path": {"<p>": {"capabilities": [...]}}}`. Anything else yields undefined so the policy
 * can refuse what it cannot read (fail closed) instead of passing it.
 */

export interface PathGrant {
  readonly path: string;
  readonly capabilities: readonly string[];
}

const HCL_STANZA = /path\s+"([^"]*)"\s*\{([^}]*)\}/g;
const HCL_CAPABILITIES = /capabilities\s*=\s*\[([^\]]*)\]/;

function fromJson(text: string): PathGrant[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const paths = (doc as { path?: unknown } | null)?.path;
  if (paths === null || typeof paths !== "object" || Array.isArray(paths)) return undefined;
  return Object.entries(paths as Record<string, unknown>).map(([path, body]) => {
    const caps = (body as { capabilities?: unknown } | null)?.capabilities;
    return { path, capabilities: Array.isArray(caps) ? caps.map(String) : [] };
  });
}

function fromHcl(text: string): PathGrant[] | undefined {
  const withoutComments = text.replace(/^\s*(#|\/\/).*$/gm, "");
  const grants: PathGrant[] = [];
  let consumed = withoutComments;
  for (const match of withoutComments.matchAll(HCL_STANZA)) {
    const caps = HCL_CAPABILITIES.exec(match[2] ?? "")?.[1] ?? "";
    grants.push({
      path: match[1] ?? "",
      capabilities: [...caps.matchAll(/"([^"]*)"/g)].map((c) => c[1] ?? ""),
    });
    consumed = consumed.replace(match[0], "");
  }
  // Text left over that is not a stanza means a form this reader does not know: refuse it.
  return consumed.trim() === "" ? grants : undefined;
}

/** The grants of a policy text, or undefined when the text is in neither known form. */
export function pathGrants(policy: string): PathGrant[] | undefined {
  return policy.trim().startsWith("{") ? fromJson(policy) : fromHcl(policy);
}
