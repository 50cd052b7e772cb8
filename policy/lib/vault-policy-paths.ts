/**
 * The `path` stanzas of a Vault ACL policy, from its HCL or JSON text. Vault accepts both; the
 * pack reads `path "<p>" { capabilities = [...] allowed_parameters = {...} denied_parameters =
 * {...} }` blocks and the JSON form `{"path": {"<p>": {"capabilities": [...], ...}}}`. Anything
 * else yields undefined so the policy can refuse what it cannot read (fail closed) instead of
 * passing it.
 */

export interface PathGrant {
  readonly path: string;
  readonly capabilities: readonly string[];
  /** Parameter (lower case, as Vault stores it) -> allowed values; `[]` = any value. */
  readonly allowedParameters?: Readonly<Record<string, readonly unknown[]>>;
  /** Parameter (lower case) -> denied values; `[]` = the parameter may not be sent at all. */
  readonly deniedParameters?: Readonly<Record<string, readonly unknown[]>>;
}

type Value = string | number | boolean | Value[] | { [key: string]: Value };

function parameters(value: unknown): Record<string, unknown[]> | undefined | null {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const out: Record<string, unknown[]> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!Array.isArray(v)) return null;
    out[k.toLowerCase()] = v;
  }
  return out;
}

/** A grant from one stanza body, or undefined when the body is not in a known shape. */
function grantOf(path: string, body: unknown): PathGrant | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  const caps = b.capabilities;
  const allowed = parameters(b.allowed_parameters);
  const denied = parameters(b.denied_parameters);
  if (!Array.isArray(caps) || allowed === null || denied === null) return undefined;
  return {
    path,
    capabilities: caps.map(String),
    ...(allowed ? { allowedParameters: allowed } : {}),
    ...(denied ? { deniedParameters: denied } : {}),
  };
}

function fromJson(text: string): PathGrant[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const paths = (doc as { path?: unknown } | null)?.path;
  if (paths === null || typeof paths !== "object" || Array.isArray(paths)) return undefined;
  const grants = Object.entries(paths as Record<string, unknown>).map(([p, body]) => grantOf(p, body));
  return grants.every((g) => g !== undefined) ? grants : undefined;
}

/** Tokens of the HCL subset policies use: strings, bare words, punctuation; comments dropped. */
function tokens(text: string): string[] | undefined {
  const out: string[] = [];
  const re = /\s+|#[^\n]*|\/\/[^\n]*|"((?:[^"\\]|\\.)*)"|([{}[\]=,])|([A-Za-z0-9_.+-]+)|(.)/gy;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[4] !== undefined) return undefined;
    if (m[1] !== undefined) out.push(`"${m[1].replace(/\\(.)/g, "$1")}`);
    else if (m[2] !== undefined || m[3] !== undefined) out.push(m[2] ?? m[3] ?? "");
    if (re.lastIndex >= text.length) break;
  }
  return out;
}

/** Parses tokens from `at`: returns the value and the next index, or undefined on a bad shape. */
function value(t: readonly string[], at: number): [Value, number] | undefined {
  const tok = t[at];
  if (tok === undefined) return undefined;
  if (tok.startsWith('"')) return [tok.slice(1), at + 1];
  if (tok === "[") {
    const list: Value[] = [];
    let i = at + 1;
    while (t[i] !== "]") {
      if (t[i] === undefined) return undefined;
      if (t[i] === ",") {
        i++;
        continue;
      }
      const v = value(t, i);
      if (!v) return undefined;
      list.push(v[0]);
      i = v[1];
    }
    return [list, i + 1];
  }
  if (tok === "{") {
    const obj: Record<string, Value> = {};
    let i = at + 1;
    while (t[i] !== "}") {
      const key = t[i];
      if (key === undefined) return undefined;
      if (key === ",") {
        i++;
        continue;
      }
      if ("{}[]=".includes(key) || t[i + 1] !== "=") return undefined;
      const v = value(t, i + 2);
      if (!v) return undefined;
      obj[key.startsWith('"') ? key.slice(1) : key] = v[0];
      i = v[1];
    }
    return [obj, i + 1];
  }
  if (tok === "true" || tok === "false") return [tok === "true", at + 1];
  if (/^-?\d+$/.test(tok)) return [Number(tok), at + 1];
  return undefined;
}

function fromHcl(text: string): PathGrant[] | undefined {
  const t = tokens(text);
  if (t === undefined) return undefined;
  const grants: PathGrant[] = [];
  let i = 0;
  while (i < t.length) {
    // Only `path "<p>" { ... }` blocks: text of any other form is refused, not skipped.
    if (t[i] !== "path" || !t[i + 1]?.startsWith('"') || t[i + 2] !== "{") return undefined;
    const body = value(t, i + 2);
    if (!body) return undefined;
    const grant = grantOf(t[i + 1].slice(1), body[0]);
    if (!grant) return undefined;
    grants.push(grant);
    i = body[1];
  }
  return grants;
}

/** The grants of a policy text, or undefined when the text is in neither known form. */
export function pathGrants(policy: string): PathGrant[] | undefined {
  return policy.trim().startsWith("{") ? fromJson(policy) : fromHcl(policy);
}
