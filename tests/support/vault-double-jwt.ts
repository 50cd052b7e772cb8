/**
 * The JWT checks of Vault's JWT auth method, for the Vault double: RS256 signature against the
 * mount's keys (JWKS URL, OIDC discovery, or PEM keys), `bound_issuer`, time checks with the
 * role's leeways, then the role bindings through the shared evaluator (bound-claims.ts).
 */
import { createPublicKey, createVerify, type KeyObject } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import {
  audienceError,
  boundClaimsError,
  type Claims,
  type RoleBindings,
  subjectError,
  unboundAudienceError,
} from "./bound-claims";

/** `auth/<mount>/config` fields the double understands. */
export interface JwtAuthConfig {
  readonly oidc_discovery_url?: string;
  readonly oidc_discovery_ca_pem?: string;
  readonly jwks_url?: string;
  readonly jwks_ca_pem?: string;
  readonly jwt_validation_pubkeys?: readonly string[];
  readonly bound_issuer?: string;
  /** Accepted `alg` values; unset = every algorithm Vault knows (path_login.go). */
  readonly jwt_supported_algs?: readonly string[];
}

/** `auth/<mount>/role/<name>` fields the double understands. */
export interface JwtRole extends RoleBindings {
  readonly role_type?: "jwt" | "oidc";
  readonly user_claim: string;
  readonly claim_mappings?: Readonly<Record<string, string>>;
  readonly token_policies?: readonly string[];
  readonly token_ttl?: number;
  /** Longest a token may live, renewals included (seconds); unset = the system maximum. */
  readonly token_max_ttl?: number;
  /** Source addresses that may log in with this role and use its tokens (`token_bound_cidrs`). */
  readonly token_bound_cidrs?: readonly string[];
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

const HASHES: Readonly<Record<string, string>> = {
  RS256: "RSA-SHA256",
  RS384: "RSA-SHA384",
  RS512: "RSA-SHA512",
};

/** A role leeway as cap/jwt applies it: negative = none, 0 or unset = the default. */
function leeway(value: number | undefined, fallback: number, capDefault: number): number {
  const v = value ?? fallback;
  return v < 0 ? 0 : v === 0 ? capDefault : v;
}

/**
 * Returns the verified claims, or throws with Vault's error text (the 400's message), checking
 * in vault-plugin-auth-jwt's order (path_login.go, hashicorp/cap jwt.Validator): signature, `alg`,
 * `iss`, `sub`, `aud`, then nbf/exp/iat with the clock-skew leeway ("error validating token:
 * ..."); a role without audiences refusing a token that has one; the user claim; bound_claims
 * ("error validating claims: ..."). See docs/upstream-behaviour.md#vault-jwt-auth.
 */
export async function verifyJwt(
  jwt: string,
  config: JwtAuthConfig,
  role: JwtRole,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<Claims> {
  const staticKeys = (config.jwt_validation_pubkeys?.length ?? 0) > 0;
  const signatureError = (detail: string) =>
    new Error(`error validating token: error verifying token signature: ${detail}`);
  const parts = jwt.split(".");
  const malformed = staticKeys
    ? "go-jose/go-jose: compact JWS format must have three parts"
    : "oidc: malformed jwt: go-jose/go-jose: compact JWS format must have three parts";
  if (parts.length !== 3) throw signatureError(malformed);
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: string; kid?: string };
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as typeof header;
    claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as typeof claims;
  } catch {
    throw signatureError(malformed);
  }
  const hash = HASHES[header.alg ?? ""];
  const keys = hash ? await keysFor(config, header.kid) : [];
  const verified =
    hash !== undefined &&
    keys.some((key) => {
      const v = createVerify(hash);
      v.update(`${h}.${p}`);
      return v.verify(key, Buffer.from(s, "base64url"));
    });
  if (!verified) {
    throw signatureError(
      staticKeys
        ? "no known key successfully validated the token signature"
        : "failed to verify id token signature",
    );
  }
  const supported = config.jwt_supported_algs ?? [];
  if (supported.length > 0 && !supported.includes(header.alg ?? "")) {
    throw new Error(
      "error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm",
    );
  }
  if (config.bound_issuer && claims.iss !== config.bound_issuer) {
    throw new Error("error validating token: invalid issuer (iss) claim");
  }
  const claimsError = subjectError(role, claims) ?? audienceError(role, claims);
  if (claimsError) throw new Error(`error validating token: ${claimsError}`);

  const num = (v: unknown) => (typeof v === "number" ? v : 0);
  let exp = num(claims.exp);
  let nbf = num(claims.nbf);
  const iat = num(claims.iat);
  if (exp === 0 && nbf === 0 && iat === 0) {
    throw new Error(
      "error validating token: no issued at (iat), not before (nbf), or expiration time (exp) claims in token",
    );
  }
  if (exp === 0) exp = Math.max(iat, nbf) + leeway(role.expiration_leeway, 150, 150);
  if (nbf === 0) nbf = iat !== 0 ? iat : exp - leeway(role.not_before_leeway, 150, 150);
  const skew = leeway(role.clock_skew_leeway, 60, 60);
  if (nowSeconds + skew < nbf) {
    throw new Error("error validating token: invalid not before (nbf) claim: token not yet valid");
  }
  if (nowSeconds - skew > exp) {
    throw new Error("error validating token: invalid expiration time (exp) claim: token is expired");
  }
  if (iat !== 0 && nowSeconds + skew < iat) {
    throw new Error("error validating token: invalid issued at (iat) claim: token issued in the future");
  }

  const unbound = unboundAudienceError(role, claims);
  if (unbound) throw new Error(unbound);
  if (claims[role.user_claim] === undefined || claims[role.user_claim] === null) {
    throw new Error(`claim "${role.user_claim}" not found in token`);
  }
  const bound = boundClaimsError(role, claims);
  if (bound) throw new Error(`error validating claims: ${bound}`);
  return claims;
}
