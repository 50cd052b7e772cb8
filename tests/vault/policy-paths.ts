/**
 * Vault ACL path matching for the tests: a policy path matches a request path exactly, or, when
 * it ends in `*`, as a prefix; `+` matches exactly one path segment. The capabilities of the
 * most specific match apply (enough here: our policies never overlap).
 */
export type Capability = "read" | "update" | "create" | "delete" | "list" | "sudo" | "deny";

export type ParsedPolicy = Readonly<Record<string, readonly Capability[]>>;

function matches(pattern: string, path: string): boolean {
  const glob = pattern.endsWith("*");
  const body = (glob ? pattern.slice(0, -1) : pattern)
    .split("+")
    .map((part) => part.replace(/[.*?^${}()|[\]\\]/g, "\\$&"))
    .join("[^/]+");
  return new RegExp(`^${body}${glob ? ".*" : ""}$`).test(path);
}

/** Whether `policy` grants `capability` on `path`. */
export function allows(policy: ParsedPolicy, path: string, capability: Capability): boolean {
  return Object.entries(policy).some(
    ([pattern, caps]) => matches(pattern, path) && caps.includes(capability) && !caps.includes("deny"),
  );
}
