/**
 * The policy pack judges tagged AWS configurations like the default one: `jwt-role-phase-policies`
 * (one compliant fixture, one mutation per failing case), and the whole program with a workspace
 * of two tags and a project of one passes every mandatory policy, while breaking a tag's plan
 * role, its policy or the plan JWT role's policy list is noticed.
 */
import * as assert from "node:assert/strict";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../../policy/policies";
import { jwtRolePhasePolicies } from "../../policy/policies/jwt-role-phase-policies";
import { awsPlanRoleReadOnly } from "../../policy/policies/aws-plan-role-read-only";
import { vaultPolicyScopedPaths } from "../../policy/policies/vault-policy-scoped-paths";
import { TYPES } from "../../policy/lib/resource-types";
import { renderPhasePolicy } from "../../components/vault-policy";
import { useAgentMocks } from "../agent/fixtures";
import { HUB, TAGGED_PROJECT, buildWith } from "../program/onboarding-fixtures";
import { plain, recorder, settled } from "../support/pulumi-mocks";
import { recordSecretOutputs, registrationKey } from "../support/secret-outputs";
import { jwtPlanRole, planVaultPolicy } from "./fixtures";
import { type FixtureResource, mutate, stackViolations, violations } from "./harness";

const policyResource = (name: string, text: string): FixtureResource => ({
  type: TYPES.vaultPolicy,
  name: `${name}-resource`,
  props: { name, policy: text },
});
const LOGS_PLAN = policyResource(
  "aws-tfc-hub.logs-plan-creds",
  renderPhasePolicy("aws", "tfc-hub.logs-plan", "assumed_role", "plan"),
);
const LOGS_APPLY = policyResource(
  "aws-tfc-hub.logs-apply-creds",
  renderPhasePolicy("aws", "tfc-hub.logs-apply", "assumed_role", "apply"),
);
const planRoleWith = (...names: string[]) => mutate(jwtPlanRole, { tokenPolicies: names });
const messages = async (resources: FixtureResource[]) =>
  (await stackViolations(jwtRolePhasePolicies, resources)).map((v) => v.message);

describe("policy jwt-role-phase-policies", () => {
  it("passes a plan role listing the plan policies of the default and a tagged configuration", async () => {
    const resources = [
      planRoleWith("aws-tfc-plan-creds", "aws-tfc-hub.logs-plan-creds"),
      planVaultPolicy,
      LOGS_PLAN,
      LOGS_APPLY,
    ];
    assert.deepEqual(await messages(resources), []);
  });

  it("refuses a plan role that lists a tag's apply policy", async () => {
    const found = await messages([
      planRoleWith("aws-tfc-plan-creds", "aws-tfc-hub.logs-apply-creds"),
      planVaultPolicy,
      LOGS_APPLY,
    ]);
    assert.deepEqual(found, [
      'Plan JWT role trust-plan-role gives its tokens Vault policy "aws-tfc-hub.logs-apply-creds", which reaches the credentials of tfc-hub.logs-apply, not plan roles: a plan (any branch, any pull request) would get write access; list only the plan policies of each AWS configuration',
    ]);
  });

  it("refuses a plan policy that also reaches an apply role (a lease_id value or a revoke prefix counts)", async () => {
    const leaky = policyResource(
      "aws-tfc-hub.logs-plan-creds",
      [
        'path "aws/sts/tfc-hub.logs-plan" { capabilities = ["read"] }',
        'path "sys/leases/lookup" {',
        '  capabilities = ["update"]',
        '  allowed_parameters = { "lease_id" = ["aws/sts/tfc-hub.logs-plan/*", "aws/sts/tfc-hub.logs-apply/*"] }',
        "}",
      ].join("\n"),
    );
    const found = await messages([planRoleWith("aws-tfc-hub.logs-plan-creds"), leaky]);
    assert.match(found.join("\n"), /reaches the credentials of tfc-hub\.logs-apply, not plan roles/);
    const revoke = policyResource(
      "aws-tfc-hub.logs-plan-creds",
      'path "sys/leases/revoke/aws/sts/tfc-apply/*" {\n  capabilities = ["update"]\n}',
    );
    assert.match(
      (await messages([planRoleWith("aws-tfc-hub.logs-plan-creds"), revoke])).join("\n"),
      /reaches the credentials of tfc-apply/,
    );
  });

  it("refuses a listed policy the stack does not define, or cannot read (fail closed)", async () => {
    assert.match(
      (await messages([planRoleWith("aws-tfc-plan-creds", "ops-admin"), planVaultPolicy])).join("\n"),
      /policy "ops-admin", which this stack does not define/,
    );
    assert.match(
      (await messages([planRoleWith("x"), policyResource("x", "not a policy {")])).join("\n"),
      /whose text cannot be read/,
    );
  });

  it("leaves apply roles alone, and waits for names not known yet", async () => {
    const applyRole = mutate(jwtPlanRole, {
      boundClaims: { sub: "organization:acme:project:Default Project:workspace:networking:run_phase:apply" },
      tokenPolicies: ["aws-tfc-hub.logs-apply-creds"],
    });
    assert.deepEqual(await messages([applyRole, LOGS_APPLY]), []);
    const unknownBody = { ...LOGS_APPLY, props: { name: LOGS_APPLY.props.name } };
    assert.deepEqual(await messages([planRoleWith("aws-tfc-hub.logs-apply-creds"), unknownBody]), []);
  });
});

describe("the policy pack over an onboarded workspace with tagged configurations", () => {
  useAgentMocks();
  const secretOutputs = recordSecretOutputs();
  const mandatory = policies.filter((p) => p.enforcementLevel === "mandatory");
  const resourcePolicies = mandatory.filter((p): p is ResourceValidationPolicy => "validateResource" in p);
  const stackPolicies = mandatory.filter((p): p is StackValidationPolicy => "validateStack" in p);
  let analyzed: FixtureResource[] = [];

  beforeEach(async () => {
    buildWith([HUB, TAGGED_PROJECT]);
    await settled();
    analyzed = recorder.resources
      .filter((r) => r.custom)
      .map((r) => ({
        type: r.type,
        name: r.name,
        props: plain(r.inputs) as Record<string, unknown>,
        additionalSecretOutputs: secretOutputs.get(registrationKey(r.type, r.name)) ?? [],
      }));
  });

  const byVaultName = (type: string, name: string) =>
    analyzed.find((r) => r.type === type && (r.props.name === name || r.props.roleName === name))!;

  it("passes every mandatory resource and stack policy", async () => {
    const found: string[] = [];
    for (const r of analyzed) {
      for (const p of resourcePolicies) for (const m of await violations(p, r)) found.push(`${r.name}: ${m}`);
    }
    for (const p of stackPolicies) for (const v of await stackViolations(p, analyzed)) found.push(v.message);
    assert.deepEqual(found, []);
    // The tags' roles and policies were among those judged.
    assert.ok(byVaultName(TYPES.awsSecretBackendRole, "tfc-hub-network.logs-plan"));
    assert.ok(byVaultName(TYPES.vaultPolicy, "aws-tfc-hub-network.network-apply-creds"));
  });

  it("judges a tag's plan role read-only like the default's", async () => {
    const role = byVaultName(TYPES.awsSecretBackendRole, "tfc-hub-network.network-plan");
    const writes = mutate(role, {
      policyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["ec2:CreateVpc"], Resource: "*" }],
      }),
    });
    assert.match(
      (await violations(awsPlanRoleReadOnly, writes)).join("\n"),
      /write-looking actions ec2:CreateVpc/,
    );
    const logs = byVaultName(TYPES.awsSecretBackendRole, "tfc-hub-network.logs-plan");
    assert.match(
      (await violations(awsPlanRoleReadOnly, mutate(logs, { policyDocument: undefined }))).join("\n"),
      /assumes its target role with no session policy/,
    );
  });

  it("judges a tag's Vault policy like the default's: an unscoped revoke is refused", async () => {
    const policy = byVaultName(TYPES.vaultPolicy, "aws-tfc-hub-network.logs-plan-creds");
    const unscoped = mutate(policy, {
      policy: `${String(policy.props.policy)}\npath "sys/leases/revoke/*" {\n  capabilities = ["update"]\n}\n`,
    });
    assert.match((await violations(vaultPolicyScopedPaths, unscoped)).join("\n"), /sys\/leases\/revoke\/\*/);
  });

  it("notices the hub's plan JWT role listing a tag's apply policy", async () => {
    const plan = byVaultName(TYPES.jwtAuthBackendRole, "tfc-hub-network-plan");
    const swapped = mutate(plan, {
      tokenPolicies: [...(plan.props.tokenPolicies as string[]), "aws-tfc-hub-network.logs-apply-creds"],
    });
    const found = await stackViolations(
      jwtRolePhasePolicies,
      analyzed.map((r) => (r === plan ? swapped : r)),
    );
    assert.deepEqual(
      found.map((v) => v.message.split(",")[0]),
      [`Plan JWT role ${plan.name} gives its tokens Vault policy "aws-tfc-hub-network.logs-apply-creds"`],
    );
  });
});
