/**
 * Reads Vault ACL policy text (HCL) into path rules for the Vault double: `path "<p>" { ... }`
 * blocks with `capabilities`, `allowed_parameters`, `denied_parameters` and
 * `required_parameters`, the fields vault/policy.go reads from a path stanza. Other fields are
 * skipped; text that is not HCL of this shape throws, so a policy the double cannot read never
 * silently grants or denies.
 */
import type { Capability, PolicyRule } from "./vault-double-acl";

type Token = { kind: "string" | "word" | "punct"; text: string };
type Value = string | number | boolean | Value[] | { [key: string]: Value };

function tokenize(hcl: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < hcl.length) {
    const c = hcl[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "#" || (c === "/" && hcl[i + 1] === "/")) {
      while (i < hcl.length && hcl[i] !== "\n") i++;
    } else if (c === '"') {
      let j = i + 1;
      let out = "";
      while (j < hcl.length && hcl[j] !== '"') {
        if (hcl[j] === "\\" && j + 1 < hcl.length) j++;
        out += hcl[j];
        j++;
      }
      if (j >= hcl.length) throw new Error("policy HCL: unterminated string");
      tokens.push({ kind: "string", text: out });
      i = j + 1;
    } else if ("{}[]=,".includes(c)) {
      tokens.push({ kind: "punct", text: c });
      i++;
    } else {
      const m = /^[A-Za-z0-9_.+-]+/.exec(hcl.slice(i));
      if (!m) throw new Error(`policy HCL: unexpected "${c}"`);
      tokens.push({ kind: "word", text: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  done(): boolean {
    return this.at >= this.tokens.length;
  }

  private next(): Token {
    const t = this.tokens[this.at++];
    if (!t) throw new Error("policy HCL: unexpected end");
    return t;
  }

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  expect(text: string): void {
    const t = this.next();
    if (t.kind !== "punct" || t.text !== text)
      throw new Error(`policy HCL: expected "${text}", got "${t.text}"`);
  }

  key(): string {
    const t = this.next();
    if (t.kind === "punct") throw new Error(`policy HCL: expected a name, got "${t.text}"`);
    return t.text;
  }

  /** `{ key = value ... }` (commas optional); the opening brace is consumed here. */
  object(): Record<string, Value> {
    this.expect("{");
    const out: Record<string, Value> = {};
    for (;;) {
      const t = this.peek();
      if (t?.kind === "punct" && t.text === "}") {
        this.at++;
        return out;
      }
      if (t?.kind === "punct" && t.text === ",") {
        this.at++;
        continue;
      }
      const k = this.key();
      this.expect("=");
      out[k] = this.value();
    }
  }

  value(): Value {
    const t = this.peek();
    if (!t) throw new Error("policy HCL: unexpected end");
    if (t.kind === "punct" && t.text === "{") return this.object();
    if (t.kind === "punct" && t.text === "[") {
      this.at++;
      const list: Value[] = [];
      for (;;) {
        const n = this.peek();
        if (n?.kind === "punct" && n.text === "]") {
          this.at++;
          return list;
        }
        if (n?.kind === "punct" && n.text === ",") {
          this.at++;
          continue;
        }
        list.push(this.value());
      }
    }
    this.at++;
    if (t.kind === "string") return t.text;
    if (t.text === "true" || t.text === "false") return t.text === "true";
    if (/^-?\d+(\.\d+)?$/.test(t.text)) return Number(t.text);
    throw new Error(`policy HCL: unexpected "${t.text}"`);
  }
}

function parameterMap(value: Value | undefined, field: string): Record<string, unknown[]> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || Array.isArray(value))
    throw new Error(`policy HCL: ${field} must be a map`);
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (!Array.isArray(v)) throw new Error(`policy HCL: ${field}.${k} must be a list`);
      // vault/policy.go lower-cases parameter names when it parses a policy.
      return [k.toLowerCase(), v];
    }),
  );
}

/** The path rules of a policy in HCL. Throws on text the double cannot read. */
export function parsePolicyHcl(hcl: string): PolicyRule[] {
  const parser = new Parser(tokenize(hcl));
  const rules: PolicyRule[] = [];
  while (!parser.done()) {
    const word = parser.key();
    if (word !== "path") throw new Error(`policy HCL: unexpected "${word}" (only path blocks are read)`);
    const path = parser.key();
    const body = parser.object();
    const caps = body.capabilities;
    if (!Array.isArray(caps) || !caps.every((c) => typeof c === "string")) {
      throw new Error(`policy HCL: path "${path}" needs a capabilities list`);
    }
    const required = body.required_parameters;
    const allowed = parameterMap(body.allowed_parameters, "allowed_parameters");
    const denied = parameterMap(body.denied_parameters, "denied_parameters");
    rules.push({
      // Vault strips a leading slash from policy paths (vault/policy.go parsePaths).
      path: path.replace(/^\/+/, ""),
      capabilities: caps as Capability[],
      ...(allowed ? { allowedParameters: allowed } : {}),
      ...(denied ? { deniedParameters: denied } : {}),
      ...(Array.isArray(required)
        ? {
            requiredParameters: required.map((r) =>
              (typeof r === "string" ? r : JSON.stringify(r)).toLowerCase(),
            ),
          }
        : {}),
    });
  }
  return rules;
}
