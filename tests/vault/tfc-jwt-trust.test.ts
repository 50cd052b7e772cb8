import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, plain, recorder, settled, valueOf } from "../support/pulumi-mocks";
import { TfcJwtTrust, phaseBoundClaims } from "../../components/tfc-jwt-trust";
import { tfcJwtTrustArgs } from "../../components/vault-side-args";
import { boundSubject } from "../../components/bound-subject";
import { vaultSide } from "./fixtures";

const AUTH = "vault:jwt/authBackend:AuthBackend";
const ROLE = "vault:jwt/authBackendRole:AuthBackendRole";
const POLICIES = { policyNames: { plan: "aws-tfc-plan-creds", apply: "aws-tfc-apply-creds" } };

describe("TfcJwtTrust", () => {
  before(installMocks);
  beforeEach(() => recorder.reset());

  it("mounts a dedicated JWT auth method whose issuer and discovery URL are the HCP Terraform address, accepting RS256 signatures only", async () => {
    new TfcJwtTrust(
      "trust",
      tfcJwtTrustArgs(vaultSide({ tfcAddress: "https://tfe.example.com/" }), POLICIES),
    );
    await settled();
    assert.deepEqual(plain(recorder.one(AUTH, "trust-auth").inputs), {
      type: "jwt",
      path: "jwt-tfc",
      description: "tfc-jit-aws: HCP Terraform workload identity tokens",
      oidcDiscoveryUrl: "https://tfe.example.com",
      boundIssuer: "https://tfe.example.com",
      jwtSupportedAlgs: ["RS256"],
    });
  });

  it("passes a discovery CA for a TFE with a private CA", async () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    new TfcJwtTrust("trust", tfcJwtTrustArgs(vaultSide({ tfcDiscoveryCaPem: pem }), POLICIES));
    await settled();
    assert.equal(recorder.one(AUTH, "trust-auth").inputs.oidcDiscoveryCaPem, pem);
  });

  for (const phase of ["plan", "apply"] as const) {
    it(`binds the ${phase} role to the audience, the literal ${phase} subject and the workspace id`, async () => {
      const side = vaultSide({ leaseTtlSeconds: 900, planTokenTtlSeconds: 1200, applyTokenTtlSeconds: 2400 });
      new TfcJwtTrust("trust", tfcJwtTrustArgs(side, POLICIES, pulumi.output("ws-AbC123")));
      await settled();
      assert.deepEqual(plain(recorder.one(ROLE, `trust-${phase}-role`).inputs), {
        backend: "jwt-tfc",
        roleName: `tfc-${phase}`,
        roleType: "jwt",
        boundAudiences: ["vault.workload.identity"],
        boundClaimsType: "glob",
        boundClaims: {
          sub: `organization:acme:project:Platform Team:workspace:network-prod:run_phase:${phase}`,
          terraform_workspace_id: "ws-AbC123",
        },
        disableBoundClaimsParsing: true,
        userClaim: "terraform_full_workspace",
        claimMappings: {
          terraform_run_id: "run_id",
          terraform_run_phase: "run_phase",
          terraform_workspace_id: "workspace_id",
        },
        verboseOidcLogging: false,
        tokenPolicies: [`aws-tfc-${phase}-creds`],
        tokenType: "service",
        tokenNoDefaultPolicy: true,
        tokenTtl: phase === "plan" ? 1200 : 2400,
        tokenMaxTtl: phase === "plan" ? 1200 : 2400,
      });
    });
  }

  it("binds names only when the workspace id is not known yet", async () => {
    new TfcJwtTrust("trust", tfcJwtTrustArgs(vaultSide(), POLICIES));
    await settled();
    const claims = plain(recorder.one(ROLE, "trust-plan-role").inputs.boundClaims);
    assert.deepEqual(claims, {
      sub: "organization:acme:project:Platform Team:workspace:network-prod:run_phase:plan",
    });
  });

  it("exposes the auth path and the role names per phase", async () => {
    const trust = new TfcJwtTrust("trust", tfcJwtTrustArgs(vaultSide({ jwtAuthPath: "tfc/jwt" }), POLICIES));
    assert.equal(await valueOf(trust.authPath), "tfc/jwt");
    assert.equal(await valueOf(trust.roleNames.plan), "tfc-plan");
    assert.equal(await valueOf(trust.roleNames.apply), "tfc-apply");
  });

  it("refuses names that would turn the subject into a wider glob", () => {
    const names = { organization: "acme", project: "Default Project", workspace: "web" };
    assert.throws(() => boundSubject({ ...names, workspace: "web*" }, "plan"), /contains "\*"/);
    assert.throws(() => boundSubject({ ...names, project: "a:b" }, "plan"), /contains ":"/);
    assert.throws(() => boundSubject({ ...names, organization: "a,b" }, "plan"), /contains ","/);
    assert.throws(() => boundSubject({ ...names, organization: "" }, "plan"), /organization name is empty/);
  });

  it("refuses a workspace id that is not one, instead of dropping the binding", () => {
    const names = { organization: "acme", project: "Default Project", workspace: "web" };
    assert.throws(() => phaseBoundClaims(names, "plan", ""), /is not a workspace id/);
    assert.throws(() => phaseBoundClaims(names, "plan", "ws-*"), /is not a workspace id/);
  });
});
