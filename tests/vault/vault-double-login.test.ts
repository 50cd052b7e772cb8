/**
 * The Vault double's JWT login refusals: Vault's texts, in vault-plugin-auth-jwt's order
 * (path_login.go; hashicorp/cap jwt.Validator), so a hook or test reading them reads what a real
 * Vault answers. See docs/upstream-behaviour.md#vault-jwt-auth.
 */
import { strict as assert } from "node:assert";
import { TokenIssuer } from "../support/token-issuer";
import { type JwtAuthConfig, type JwtRole, verifyJwt } from "../support/vault-double-jwt";

const ROLE: JwtRole = {
  role_type: "jwt",
  user_claim: "terraform_full_workspace",
  bound_audiences: ["vault.workload.identity"],
  bound_claims_type: "glob",
  bound_claims: { sub: "organization:acme:project:P:workspace:w:run_phase:plan" },
};

describe("Vault double: JWT login refusals follow vault-plugin-auth-jwt", () => {
  let issuer: TokenIssuer;
  let config: JwtAuthConfig;
  const now = () => Math.floor(Date.now() / 1000);
  const run = {
    organization: "acme",
    project: "P",
    workspace: "w",
    audience: "vault.workload.identity",
    phase: "plan" as const,
  };
  const refusal = async (jwt: string, role: JwtRole = ROLE, cfg: JwtAuthConfig = config, at = now()) => {
    try {
      await verifyJwt(jwt, cfg, role, at);
    } catch (err) {
      return (err as Error).message;
    }
    return "accepted";
  };

  before(async () => {
    issuer = await TokenIssuer.start();
    config = { oidc_discovery_url: issuer.issuer, bound_issuer: issuer.issuer };
  });
  after(() => issuer.stop());

  it("accepts the right token", async () => {
    assert.equal(await refusal(issuer.issue(run)), "accepted");
  });

  it("token checks say 'error validating token:', binding checks 'error validating claims:'", async () => {
    assert.equal(
      await refusal(issuer.issue({ ...run, audience: "other" })),
      "error validating token: invalid audience (aud) claim: audience claim does not match any expected audience",
    );
    assert.equal(
      await refusal(issuer.issue({ ...run, phase: "apply" })),
      'error validating claims: claim "sub" does not match any associated bound claim values',
    );
    assert.equal(
      await refusal(issuer.issue(run, { claims: { iss: "https://evil.example" } })),
      "error validating token: invalid issuer (iss) claim",
    );
    assert.equal(
      await refusal(issuer.sign(issuer.claimsFor(run), true)),
      "error validating token: error verifying token signature: failed to verify id token signature",
    );
    assert.equal(
      await refusal("not-a-jwt"),
      "error validating token: error verifying token signature: oidc: malformed jwt: go-jose/go-jose: compact JWS format must have three parts",
    );
  });

  it("checks the token before the bindings: a wrong audience wins over a wrong subject", async () => {
    const both = issuer.issue({ ...run, audience: "other", phase: "apply" });
    assert.match(await refusal(both), /^error validating token: invalid audience/);
  });

  it("checks the user claim before bound_claims", async () => {
    const jwt = issuer.issue({ ...run, phase: "apply" }, { claims: { terraform_full_workspace: null } });
    assert.equal(await refusal(jwt), 'claim "terraform_full_workspace" not found in token');
  });

  it("applies only the clock-skew leeway (60 s) to exp, not expiration_leeway", async () => {
    const jwt = issuer.issue(run, { expiresIn: 60 });
    const { exp } = JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8")) as {
      exp: number;
    };
    assert.equal(await refusal(jwt, ROLE, config, exp + 60), "accepted");
    assert.equal(
      await refusal(jwt, ROLE, config, exp + 61),
      "error validating token: invalid expiration time (exp) claim: token is expired",
    );
  });

  it("refuses a token whose alg the mount does not support, after its signature", async () => {
    assert.equal(
      await refusal(issuer.issue(run), ROLE, { ...config, jwt_supported_algs: ["ES256"] }),
      "error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm",
    );
  });

  it("a role without audiences refuses a token that has one", async () => {
    const noAudience: JwtRole = { ...ROLE, bound_audiences: [] };
    assert.equal(
      await refusal(issuer.issue(run), noAudience),
      "audience claim found in JWT but no audiences bound to the role",
    );
  });
});
