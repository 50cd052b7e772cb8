import * as assert from "node:assert/strict";
import { jwtAuthDedicatedMount } from "../../policy/policies/jwt-auth-dedicated-mount";
import { jwtRoleAudienceBound } from "../../policy/policies/jwt-role-audience-bound";
import { jwtRoleNoRootPolicy } from "../../policy/policies/jwt-role-no-root-policy";
import { jwtRoleQuietLogging } from "../../policy/policies/jwt-role-quiet-logging";
import { jwtRoleServiceToken } from "../../policy/policies/jwt-role-service-token";
import { jwtRoleSubjectBound } from "../../policy/policies/jwt-role-subject-bound";
import { jwtRoleTokenTtl } from "../../policy/policies/jwt-role-token-ttl";
import { jwtRoleUserClaim } from "../../policy/policies/jwt-role-user-claim";
import { jwtAuthBackend, jwtPlanRole } from "./fixtures";
import { mutate, violations } from "./harness";

const SUB = "organization:acme:project:Default Project:workspace:networking:run_phase:plan";
const withSub = (sub: string) => mutate(jwtPlanRole, { boundClaims: { sub } });

describe("policy jwt-role-audience-bound", () => {
  it("passes a role bound to the workload identity audience", async () => {
    assert.deepEqual(await violations(jwtRoleAudienceBound, jwtPlanRole), []);
  });
  it("refuses a role that binds no audience", async () => {
    const found = await violations(jwtRoleAudienceBound, mutate(jwtPlanRole, { boundAudiences: [] }));
    assert.deepEqual(found, [
      "JWT role trust-plan-role binds no audience: set boundAudiences to the workspace's TFC_WORKLOAD_IDENTITY_AUDIENCE",
    ]);
  });
  it("refuses a glob audience", async () => {
    const found = await violations(
      jwtRoleAudienceBound,
      mutate(jwtPlanRole, { boundAudiences: ["vault.*"] }),
    );
    assert.match(found.join("\n"), /binds audience "vault\.\*", a glob/);
  });
  it("leaves OIDC (human login) roles alone", async () => {
    const oidc = mutate(jwtPlanRole, { roleType: "oidc", boundAudiences: undefined });
    assert.deepEqual(await violations(jwtRoleAudienceBound, oidc), []);
  });
});

describe("policy jwt-role-subject-bound", () => {
  it("passes a literal organization, project, workspace and phase", async () => {
    assert.deepEqual(await violations(jwtRoleSubjectBound, jwtPlanRole), []);
  });
  it("accepts sub bound through boundSubject instead of boundClaims", async () => {
    const role = mutate(jwtPlanRole, { boundClaims: undefined, boundSubject: SUB });
    assert.deepEqual(await violations(jwtRoleSubjectBound, role), []);
  });
  it("refuses a role that does not bind sub", async () => {
    const found = await violations(
      jwtRoleSubjectBound,
      mutate(jwtPlanRole, { boundClaims: { terraform_workspace_id: "ws-1" } }),
    );
    assert.match(
      found.join("\n"),
      /^JWT role trust-plan-role does not bind sub: set boundClaims\.sub to organization:<org>:project:/,
    );
  });
  it("refuses a * in the organization", async () => {
    const found = await violations(jwtRoleSubjectBound, withSub(SUB.replace("acme", "*")));
    assert.deepEqual(found, [
      'JWT role trust-plan-role binds sub with organization "*": name one organization literally (a * admits other organizations\' runs)',
    ]);
  });
  it("refuses a * in the run phase", async () => {
    const found = await violations(
      jwtRoleSubjectBound,
      withSub(SUB.replace("run_phase:plan", "run_phase:*")),
    );
    assert.deepEqual(found, [
      'JWT role trust-plan-role binds sub with run_phase "*": bind exactly plan or apply, one role per phase',
    ]);
  });
  it("refuses a list of phases", async () => {
    const found = await violations(
      jwtRoleSubjectBound,
      withSub(SUB.replace("run_phase:plan", "run_phase:plan,apply")),
    );
    assert.match(found.join("\n"), /run_phase "plan,apply"/);
  });
  it("refuses the old sub format without the project: segment", async () => {
    const found = await violations(
      jwtRoleSubjectBound,
      withSub("organization:acme:workspace:networking:run_phase:plan"),
    );
    assert.match(found.join("\n"), /does not have the token's form: it needs the project: segment/);
  });
  it("refuses a sub whose workspace runs into other workspaces (glob across ':')", async () => {
    const found = await violations(
      jwtRoleSubjectBound,
      withSub("organization:acme:project:*:run_phase:plan"),
    );
    assert.match(found.join("\n"), /does not have the token's form/);
  });
  it("refuses a * in the workspace unless the config allows it", async () => {
    const role = withSub(SUB.replace("networking", "net-*"));
    assert.match(
      (await violations(jwtRoleSubjectBound, role)).join("\n"),
      /workspace "net-\*": name the workspace literally/,
    );
    assert.deepEqual(await violations(jwtRoleSubjectBound, role, { allowWorkspaceGlob: true }), []);
  });
});

describe("policy jwt-role-service-token", () => {
  it("passes service tokens", async () => {
    assert.deepEqual(await violations(jwtRoleServiceToken, jwtPlanRole), []);
  });
  it("refuses batch tokens, which cannot be revoked", async () => {
    const found = await violations(jwtRoleServiceToken, mutate(jwtPlanRole, { tokenType: "batch" }));
    assert.deepEqual(found, [
      'JWT role trust-plan-role issues "batch" tokens: set tokenType to "service" (batch tokens cannot be revoked at phase end)',
    ]);
  });
  it("refuses an unset token type (the mount could default to batch)", async () => {
    const found = await violations(jwtRoleServiceToken, mutate(jwtPlanRole, { tokenType: undefined }));
    assert.match(found.join("\n"), /issues default-type tokens: set tokenType to "service"/);
  });
});

describe("policy jwt-role-token-ttl", () => {
  it("passes TTLs within the default limit", async () => {
    assert.deepEqual(await violations(jwtRoleTokenTtl, jwtPlanRole), []);
  });
  it("refuses an unset tokenTtl", async () => {
    const found = await violations(jwtRoleTokenTtl, mutate(jwtPlanRole, { tokenTtl: 0 }));
    assert.deepEqual(found, [
      "JWT role trust-plan-role leaves tokenTtl unset, so tokens live as long as the mount allows: set it to at most 3600 seconds",
    ]);
  });
  it("refuses a tokenTtl with units, naming the value instead of calling it unset", async () => {
    const found = await violations(jwtRoleTokenTtl, mutate(jwtPlanRole, { tokenTtl: "1h" }));
    assert.deepEqual(found, [
      'JWT role trust-plan-role sets tokenTtl to "1h", which is not a number of seconds: set it to at most 3600 seconds',
    ]);
  });
  it("refuses an unset tokenMaxTtl", async () => {
    const found = await violations(jwtRoleTokenTtl, mutate(jwtPlanRole, { tokenMaxTtl: undefined }));
    assert.match(found.join("\n"), /leaves tokenMaxTtl unset/);
  });
  it("refuses a 12-hour token", async () => {
    const found = await violations(
      jwtRoleTokenTtl,
      mutate(jwtPlanRole, { tokenTtl: 43200, tokenMaxTtl: 43200 }),
    );
    assert.deepEqual(found, [
      "JWT role trust-plan-role sets tokenTtl to 43200 seconds, above the limit of 3600: lower it",
      "JWT role trust-plan-role sets tokenMaxTtl to 43200 seconds, above the limit of 3600: lower it",
    ]);
  });
  it("refuses tokenTtl above tokenMaxTtl", async () => {
    const found = await violations(
      jwtRoleTokenTtl,
      mutate(jwtPlanRole, { tokenTtl: 1800, tokenMaxTtl: 900 }),
    );
    assert.deepEqual(found, [
      "JWT role trust-plan-role sets tokenTtl (1800) above tokenMaxTtl (900): lower tokenTtl",
    ]);
  });
  it("follows the configured limit", async () => {
    const found = await violations(jwtRoleTokenTtl, jwtPlanRole, { maxTokenTtlSeconds: 900 });
    assert.equal(found.length, 2);
    assert.match(found[0] ?? "", /above the limit of 900/);
  });
});

describe("policy jwt-role-user-claim", () => {
  it("passes a role with a user claim", async () => {
    assert.deepEqual(await violations(jwtRoleUserClaim, jwtPlanRole), []);
  });
  it("refuses a role without one", async () => {
    const found = await violations(jwtRoleUserClaim, mutate(jwtPlanRole, { userClaim: "" }));
    assert.deepEqual(found, [
      "JWT role trust-plan-role sets no userClaim: set it, e.g. to terraform_full_workspace, so the audit log names the workspace",
    ]);
  });
});

describe("policy jwt-auth-dedicated-mount", () => {
  it("passes a dedicated mount that checks the HCP Terraform issuer", async () => {
    assert.deepEqual(await violations(jwtAuthDedicatedMount, jwtAuthBackend), []);
  });
  it("refuses the shared default path", async () => {
    const found = await violations(jwtAuthDedicatedMount, mutate(jwtAuthBackend, { path: "jwt" }));
    assert.deepEqual(found, [
      'JWT auth mount trust-auth uses the shared path "jwt": give HCP Terraform its own mount, e.g. path "jwt-tfc"',
    ]);
  });
  it("refuses an unset path (Vault mounts it at jwt)", async () => {
    const found = await violations(jwtAuthDedicatedMount, mutate(jwtAuthBackend, { path: undefined }));
    assert.match(found.join("\n"), /uses the shared path "jwt"/);
  });
  it("refuses a mount without bound_issuer", async () => {
    const found = await violations(jwtAuthDedicatedMount, mutate(jwtAuthBackend, { boundIssuer: undefined }));
    assert.deepEqual(found, [
      "JWT auth mount trust-auth sets no boundIssuer: set it to the HCP Terraform address, e.g. https://app.terraform.io",
    ]);
  });
  it("refuses an issuer that differs from the discovery URL", async () => {
    const found = await violations(
      jwtAuthDedicatedMount,
      mutate(jwtAuthBackend, { boundIssuer: "https://tfe.example.com" }),
    );
    assert.match(
      found.join("\n"),
      /trusts keys from https:\/\/app\.terraform\.io but checks issuer https:\/\/tfe\.example\.com/,
    );
  });
  it("passes keys taken from the issuer's own JWKS URL", async () => {
    const mount = mutate(jwtAuthBackend, {
      oidcDiscoveryUrl: undefined,
      jwksUrl: "https://app.terraform.io/.well-known/jwks",
    });
    assert.deepEqual(await violations(jwtAuthDedicatedMount, mount), []);
  });
  it("refuses keys from another JWKS URL than the issuer's (a forged iss would pass)", async () => {
    const found = await violations(
      jwtAuthDedicatedMount,
      mutate(jwtAuthBackend, { oidcDiscoveryUrl: undefined, jwksUrl: "https://keys.example.com/jwks" }),
    );
    assert.deepEqual(found, [
      "JWT auth mount trust-auth trusts keys from https://keys.example.com/jwks but checks issuer https://app.terraform.io: take the keys from https://app.terraform.io/.well-known/jwks (or set oidcDiscoveryUrl to https://app.terraform.io)",
    ]);
  });
  it("refuses a JWKS pair pointing elsewhere", async () => {
    const found = await violations(
      jwtAuthDedicatedMount,
      mutate(jwtAuthBackend, {
        oidcDiscoveryUrl: undefined,
        jwksPairs: [
          { jwks_url: "https://app.terraform.io/.well-known/jwks" },
          { jwks_url: "https://evil.example/jwks" },
        ],
      }),
    );
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0] ?? "", /trusts keys from https:\/\/evil\.example\/jwks but checks issuer/);
  });
  it("refuses static validation keys (whoever holds them can sign for HCP Terraform)", async () => {
    const found = await violations(
      jwtAuthDedicatedMount,
      mutate(jwtAuthBackend, {
        oidcDiscoveryUrl: undefined,
        jwtValidationPubkeys: ["-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"],
      }),
    );
    assert.deepEqual(found, [
      "JWT auth mount trust-auth trusts static jwtValidationPubkeys: whoever holds those keys can sign tokens for issuer https://app.terraform.io; set oidcDiscoveryUrl to https://app.terraform.io instead",
    ]);
  });
  it("treats paths listed in sharedMountPaths as shared", async () => {
    const found = await violations(jwtAuthDedicatedMount, jwtAuthBackend, { sharedMountPaths: ["jwt-tfc"] });
    assert.match(found.join("\n"), /uses the shared path "jwt-tfc"/);
  });
});

describe("policy jwt-role-quiet-logging", () => {
  it("passes a role with verbose OIDC logging off or unset (Vault's default is off)", async () => {
    assert.deepEqual(
      await violations(jwtRoleQuietLogging, mutate(jwtPlanRole, { verboseOidcLogging: false })),
      [],
    );
    assert.deepEqual(await violations(jwtRoleQuietLogging, jwtPlanRole), []);
  });
  it("refuses a role that logs received tokens and claims, whatever its role type", async () => {
    for (const props of [
      { verboseOidcLogging: true },
      { verboseOidcLogging: "true" },
      { verboseOidcLogging: true, roleType: "oidc" },
    ]) {
      const found = await violations(jwtRoleQuietLogging, mutate(jwtPlanRole, props));
      assert.deepEqual(
        found,
        [
          "JWT role trust-plan-role sets verboseOidcLogging, so Vault's debug log would hold received tokens and claims: set it to false",
        ],
        JSON.stringify(props),
      );
    }
  });
});

describe("policy jwt-role-no-root-policy", () => {
  it("passes a role that gives the phase policy", async () => {
    assert.deepEqual(await violations(jwtRoleNoRootPolicy, jwtPlanRole), []);
  });
  it("refuses a role whose tokens get the root policy, whatever its case", async () => {
    for (const tokenPolicies of [["aws-tfc-plan-creds", "root"], ["Root"]]) {
      const found = await violations(jwtRoleNoRootPolicy, mutate(jwtPlanRole, { tokenPolicies }));
      assert.deepEqual(
        found,
        [
          "JWT role trust-plan-role gives its tokens the root policy (everything in Vault): list only the phase's own policy in tokenPolicies",
        ],
        tokenPolicies.join(","),
      );
    }
  });
});
