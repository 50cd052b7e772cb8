import * as assert from "node:assert/strict";
import { policies } from "../../policy/policies";
import { type Diagnostic, PolicyPackHost, rpcSecret } from "../support/policy-pack-host";
import { agentWorkspace, awsPlanRole, jwtPlanRole, sensitiveVariable } from "./fixtures";
import { mutate } from "./harness";

/** Our own line of a diagnostic (the server puts the policy description first). */
const lines = (ds: Diagnostic[]) =>
  ds.map((d) => `${d.policyName}: ${d.message.split("\n").slice(1).join(" ")}`);

describe("policy pack under Pulumi's policy-pack host (gRPC, as pulumi preview --policy-pack runs it)", function () {
  this.timeout(120_000);
  let host: PolicyPackHost;

  before(async () => {
    host = await PolicyPackHost.start();
  });
  after(async () => {
    await host?.stop();
  });

  it("serves the pack with every policy at its declared enforcement level and config keys", async () => {
    const info = await host.info();
    assert.equal(info.name, "tfc-jit-aws");
    assert.deepEqual(
      info.policies.map((p) => [p.name, p.enforcementLevel]),
      policies.map((p) => [p.name, p.enforcementLevel]),
    );
    const ttl = info.policies.find((p) => p.name === "jwt-role-token-ttl");
    assert.deepEqual(ttl?.configKeys, ["maxTokenTtlSeconds"]);
  });

  it("answers Analyze for a compliant JWT role with no diagnostics", async () => {
    assert.deepEqual(await host.analyze(jwtPlanRole), []);
  });

  it("answers Analyze for a widened JWT role with one mandatory violation per problem", async () => {
    const role = mutate(jwtPlanRole, {
      boundClaims: { sub: "organization:*:project:Default Project:workspace:networking:run_phase:plan" },
      tokenType: "batch",
      tokenTtl: 43200,
    });
    const found = await host.analyze(role);
    assert.deepEqual(lines(found), [
      'jwt-role-subject-bound: JWT role trust-plan-role binds sub with organization "*": name one organization literally (a * admits other organizations\' runs)',
      'jwt-role-service-token: JWT role trust-plan-role issues "batch" tokens: set tokenType to "service" (batch tokens cannot be revoked at phase end)',
      "jwt-role-token-ttl: JWT role trust-plan-role sets tokenTtl to 43200 seconds, above the limit of 3600: lower it",
      "jwt-role-token-ttl: JWT role trust-plan-role sets tokenTtl (43200) above tokenMaxTtl (1800): lower tokenTtl",
    ]);
    assert.ok(found.every((d) => d.enforcementLevel === "mandatory" && d.policyPackName === "tfc-jit-aws"));
  });

  it("reports the advisory permissions-boundary policy as advisory", async () => {
    const found = await host.analyze(mutate(awsPlanRole, { permissionsBoundaryArn: undefined }));
    assert.deepEqual(
      found.map((d) => [d.policyName, d.enforcementLevel]),
      [["aws-iam-user-permissions-boundary", "advisory"]],
    );
  });

  it("sees through secret-wrapped inputs and never echoes the secret value", async () => {
    const variable = {
      ...mutate(sensitiveVariable, {
        key: "AWS_SECRET_ACCESS_KEY",
        value: rpcSecret("wJalrXUtnFEMI-not-real"),
      }),
      additionalSecretOutputs: [],
    };
    const found = await host.analyze(variable);
    assert.deepEqual(
      found.map((d) => d.policyName),
      ["secrets-stay-secret", "tfc-no-static-aws-keys"],
    );
    assert.ok(!JSON.stringify(found).includes("wJalrXUtnFEMI"));
    assert.ok(!host.stderr.includes("wJalrXUtnFEMI"));
  });

  it("answers AnalyzeStack with the workspace that lacks its audience variable", async () => {
    const found = await host.analyzeStack([agentWorkspace, sensitiveVariable]);
    assert.deepEqual(
      found.map((d) => [d.policyName, d.urn]),
      [
        [
          "tfc-workspace-identity-audience",
          "urn:pulumi:dev::tfc-jit-aws::pulumi-nodejs:dynamic/tfc:Workspace::demo-workspace",
        ],
      ],
    );
  });

  it("applies policy configuration sent with Configure", async () => {
    await host.configure({ "jwt-role-token-ttl": { maxTokenTtlSeconds: 900 } });
    const found = await host.analyze(jwtPlanRole);
    assert.deepEqual(lines(found), [
      "jwt-role-token-ttl: JWT role trust-plan-role sets tokenTtl to 1800 seconds, above the limit of 900: lower it",
      "jwt-role-token-ttl: JWT role trust-plan-role sets tokenMaxTtl to 1800 seconds, above the limit of 900: lower it",
    ]);
  });

  it("fails the analysis (not the resource) when a policy cannot run: a bad pattern in the config", async () => {
    await host.configure({ "aws-plan-role-read-only": { planRoleNamePattern: "(" } });
    await assert.rejects(
      host.analyze(awsPlanRole),
      /Error validating resource with policy 'aws-plan-role-read-only'.*Invalid regular expression/s,
    );
  });
});
