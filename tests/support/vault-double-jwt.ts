/**
 * The JWT checks of Vault's JWT auth method, for the Vault double: RS256 signature against the
 * mount's keys (JWKS URL, OIDC discovery, or PEM keys), `bound_issuer`, time checks with the
 * role's leeways, then the role bindings through the shared evaluator (bound-claims.ts).
 */
import { createPublicKey, createVerify, type KeyObject } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import { bindingError, type Claims, type RoleBindings } from "./bound-claims";

/** `auth/<mount>/config` fields the double understands. */
export interface JwtAuthConfig {
  readonly oidc_discovery_url?: string;
  readonly oidc_discovery_ca_pem?: string;
  readonly jwks_url?: string;
  readonly jwks_ca_pem?: string;
  readonly jwt_validation_pubkeys?: readonly string[];
  readonly bound_issuer?: string;
}

/** `auth/<mount>/role/<name>` fields the double understands. */
export interface JwtRole extends RoleBindings {
  readonly role_type?: "jwt" | "oidc";
  readonly user_claim: string;
  readonly claim_mappings?: Readonly<Record<string, string>>;
  readonly token_policies?: readonly string[];
  readonly token_ttl?: number;
  readonly token_type?: "service" | "batch" | "default-service" | "default-batch";
  readonly token_no_default_policy?: boolean;
  readonly clock_skew_leeway?: number;
  readonly expiration_leeway?: number;
  readonly not_before_leeway?: number;
}

function getJson(url: string, ca: string | undefined): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith("https:") ? https : http;
    const req = client.get(url, { ...(ca ? { ca } : {}), timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on("error", reject);
  });
}

/** Like Vault, keep fetched keys, and fetch again only for a key id not seen yet (rotation). */
const keyCache = new WeakMap<JwtAuthConfig, Map<string, KeyObject>>();

async function keysFor(config: JwtAuthConfig, kid: string | undefined): Promise<KeyObject[]> {
  const cached = keyCache.get(config);
  if (cached && kid !== undefined && cached.has(kid)) return [cached.get(kid)!];
  const keys = await fetchKeys(config, kid);
  if (kid !== undefined && keys.length > 0 && !config.jwt_validation_pubkeys?.length) {
    const map = cached ?? new Map<string, KeyObject>();
    map.set(kid, keys[0]);
    keyCache.set(config, map);
  }
  return keys;
}

async function fetchKeys(config: JwtAuthConfig, kid: string | undefined): Promise<KeyObject[]> {
  if (config.jwt_validation_pubkeys && config.jwt_validation_pubkeys.length > 0) {
    return config.jwt_validation_pubkeys.map((pem) => createPublicKey(pem));
  }
  let jwksUrl = config.jwks_url;
  let ca = config.jwks_ca_pem;
  if (!jwksUrl && config.oidc_discovery_url) {
    ca = config.oidc_discovery_ca_pem;
    const discovery = (await getJson(
      `${config.oidc_discovery_url.replace(/\/+$/, "")}/.well-known/openid-configuration`,
      ca,
    )) as { jwks_uri?: string };
    jwksUrl = discovery.jwks_uri;
  }
  if (!jwksUrl) throw new Error("no JWT validation keys configured");
  const jwks = (await getJson(jwksUrl, ca)) as { keys?: Array<Record<string, unknown>> };
  return (jwks.keys ?? [])
    .filter((k) => kid === undefined || k.kid === kid)
    .map((k) => createPublicKey({ key: k, format: "jwk" }));
}

/** Returns the verified claims, or throws with Vault-like error text (the 400's message). */
export async function verifyJwt(
  jwt: string,
  config: JwtAuthConfig,
  role: JwtRole,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<Claims> {
  const parts = jwt.split(".");
  if (parts.length !== 3) throw new Error("error validating token: invalid JWT");
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: string; kid?: string };
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as typeof header;
    claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as typeof claims;
  } catch {
    throw new Error("error validating token: invalid JWT");
  }
  if (header.alg !== "RS256")
    throw new Error(`error validating token: unsupported signing algorithm "${header.alg}"`);
  const keys = await keysFor(config, header.kid);
  const verified = keys.some((key) => {
    const v = createVerify("RSA-SHA256");
    v.update(`${h}.${p}`);
    return v.verify(key, Buffer.from(s, "base64url"));
  });
  if (!verified) throw new Error("error validating token: failed to verify id token signature");

  if (config.bound_issuer && claims.iss !== config.bound_issuer) {
    throw new Error("error validating claims: invalid issuer (iss) claim");
  }
  const skew = role.clock_skew_leeway ?? 60;
  const expLeeway = role.expiration_leeway ?? 150;
  const nbfLeeway = role.not_before_leeway ?? 150;
  if (typeof claims.exp !== "number") throw new Error("error validating claims: exp claim is required");
  if (nowSeconds > claims.exp + expLeeway + skew)
    throw new Error("error validating claims: token is expired (exp)");
  if (typeof claims.nbf === "number" && nowSeconds < claims.nbf - nbfLeeway - skew) {
    throw new Error("error validating claims: token not valid yet (nbf)");
  }
  if (typeof claims.iat === "number" && nowSeconds < claims.iat - skew) {
    throw new Error("error validating claims: token issued in the future (iat)");
  }
  const binding = bindingError(role, claims);
  if (binding) throw new Error(binding);
  if (claims[role.user_claim] === undefined) {
    throw new Error(`claim "${role.user_claim}" not found in token`);
  }
  return claims;
}
