/**
 * The policy pack judges every onboarded workspace, not only the first or the demo: the dev
 * program with three onboarded workspaces and a project passes every mandatory policy, and
 * breaking a later entry's JWT role, Vault policy or audience variable is noticed for that entry.
 */
import * as assert from "node:assert/strict";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../../policy/policies";
import { jwtRoleSubjectBound } from "../../policy/policies/jwt-role-subject-bound";
import { TYPES } from "../../policy/lib/resource-types";
import { useAgentMocks } from "../agent/fixtures";
import { ENTRIES } from "../program/onboarding-fixtures";
import { buildWith } from "../program/onboarding-fixtures";
import { plain, recorder, settled } from "../support/pulumi-mocks";
import { recordSecretOutputs, registrationKey } from "../support/secret-outputs";
import {
  type FixtureResource,
  type FixtureStackResource,
  mutate,
  stackViolations,
  violations,
} from "./harness";

const mandatory = policies.filter((p) => p.enforcementLevel === "mandatory");
const resourcePolicies = mandatory.filter((p): p is ResourceValidationPolicy => "validateResource" in p);
const stackPolicies = mandatory.filter((p): p is StackValidationPolicy => "validateStack" in p);

async function allViolations(r: FixtureResource): Promise<string[]> {
  return (await Promise.all(resourcePolicies.map((p) => violations(p, r)))).flat();
}

describe("the policy pack over several onboarded workspaces and a project", () => {
  useAgentMocks();
  const secretOutputs = recordSecretOutputs();
  let analyzed: FixtureResource[] = [];

  beforeEach(async () => {
    buildWith(ENTRIES);
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

  it("judges every entry's JWT roles, engine roles and policies, and passes them all", async () => {
    const count = (type: string) => analyzed.filter((r) => r.type === type).length;
    assert.equal(count(TYPES.jwtAuthBackendRole), 10);
    assert.equal(count(TYPES.awsSecretBackendRole), 10);
    assert.equal(count(TYPES.vaultPolicy), 10);
    const found: string[] = [];
    for (const r of analyzed) for (const m of await allViolations(r)) found.push(`${r.name}: ${m}`);
    assert.deepEqual(found, []);
  });

  it("passes every mandatory stack policy (each onboarded workspace has its audience variable)", async () => {
    const found: string[] = [];
    for (const p of stackPolicies) for (const v of await stackViolations(p, analyzed)) found.push(v.message);
    assert.deepEqual(found, []);
  });

  it("notices a broken role of the last onboarded workspace, not only of the first", async () => {
    const roles = analyzed.filter((r) => r.type === TYPES.jwtAuthBackendRole);
    const last = roles.filter((r) => r.name.startsWith("onboard-ws-Billing3-"));
    assert.equal(last.length, 2);
    for (const role of last) {
      const found = await allViolations(mutate(role, { tokenType: "batch", tokenNoDefaultPolicy: false }));
      assert.ok(found.length > 0, `no policy noticed ${role.name}`);
      const sub = String((role.props.boundClaims as Record<string, string>).sub);
      const globbed = mutate(role, { boundClaims: { sub: sub.replace("workspace:billing", "workspace:*") } });
      assert.match((await violations(jwtRoleSubjectBound, globbed)).join("\n"), /workspace "\*"/);
    }
    const policy = analyzed.filter((r) => r.type === TYPES.vaultPolicy).at(-1)!;
    const widened = mutate(policy, { policy: 'path "aws/creds/*" { capabilities = ["read"] }' });
    assert.ok((await allViolations(widened)).length > 0, `no policy noticed ${policy.name} widened`);
  });

  it("accepts the project entry's workspace glob only with its literal project id bound", async () => {
    const projectRoles = analyzed.filter(
      (r) => r.type === TYPES.jwtAuthBackendRole && r.name.startsWith("onboard-prj-Analytics4-"),
    );
    assert.equal(projectRoles.length, 2);
    for (const role of projectRoles) {
      assert.deepEqual(await violations(jwtRoleSubjectBound, role), []);
      const claims = role.props.boundClaims as Record<string, string>;
      const noProjectId = mutate(role, { boundClaims: { sub: claims.sub } });
      assert.match(
        (await violations(jwtRoleSubjectBound, noProjectId)).join("\n"),
        /workspace "\*": name the workspace literally/,
      );
      const anyProject = mutate(role, {
        boundClaims: { ...claims, sub: claims.sub.replace("Analytics", "*") },
      });
      assert.ok((await violations(jwtRoleSubjectBound, anyProject)).length > 0);
    }
  });

  it("notices an onboarded workspace that lost its audience variable", async () => {
    const stack: FixtureStackResource[] = analyzed.filter(
      (r) =>
        !(
          r.type === TYPES.tfcVariable &&
          r.props.key === "TFC_WORKLOAD_IDENTITY_AUDIENCE" &&
          r.props.workspaceId === "ws-DataEtl2"
        ),
    );
    const found = (await Promise.all(stackPolicies.map((p) => stackViolations(p, stack)))).flat();
    assert.deepEqual(
      found.map((v) => v.message),
      [
        "Agent-mode workspace onboard-ws-DataEtl2-execution has no env variable TFC_WORKLOAD_IDENTITY_AUDIENCE: add one, or HCP Terraform injects no identity token and every run fails",
      ],
    );
  });
});
