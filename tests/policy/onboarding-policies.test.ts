/**
 * The policy pack judges every onboarded workspace, not only the first or the demo: the dev
 * program with three onboarded workspaces and a project passes every mandatory policy, and
 * breaking a later entry's JWT role, Vault policy or audience variable is noticed for that entry.
 * The audience comes from the shared variable set, so the stack policy judges the union of
 * workspace variables and variable sets applied to the workspace.
 */
import * as assert from "node:assert/strict";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../../policy/policies";
import { jwtRoleSubjectBound } from "../../policy/policies/jwt-role-subject-bound";
import { tfcNoStaticAwsKeys } from "../../policy/policies/tfc-no-static-aws-keys";
import { tfcWorkspaceIdentityAudience } from "../../policy/policies/tfc-workspace-identity-audience";
import { secretsStaySecret } from "../../policy/policies/secrets-stay-secret";
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

  const SHARED_AUDIENCE = "onboarding-shared-vars-env-TFC_WORKLOAD_IDENTITY_AUDIENCE";
  const audienceMessage = (execution: string) =>
    `Agent-mode workspace ${execution} has no env variable TFC_WORKLOAD_IDENTITY_AUDIENCE: add one, or HCP Terraform injects no identity token and every run fails`;

  it("takes the onboarded workspaces' audience from the shared variable set, not from workspace variables", () => {
    const own = analyzed.filter((r) => r.type === TYPES.tfcVariable && r.props.workspaceId === "ws-DataEtl2");
    assert.ok(own.length > 0);
    assert.ok(!own.some((v) => v.props.key === "TFC_WORKLOAD_IDENTITY_AUDIENCE"));
    assert.ok(analyzed.some((r) => r.name === SHARED_AUDIENCE));
  });

  it("notices an onboarded workspace the shared variable set is no longer applied to", async () => {
    const stack: FixtureStackResource[] = analyzed.filter(
      (r) => !(r.type === TYPES.tfcVariableSetAttachment && r.props.workspaceId === "ws-DataEtl2"),
    );
    const found = await stackViolations(tfcWorkspaceIdentityAudience, stack);
    assert.deepEqual(
      found.map((v) => v.message),
      [audienceMessage("onboard-ws-DataEtl2-execution")],
    );
  });

  it("notices every onboarded workspace when the shared set loses its audience variable", async () => {
    const stack = analyzed.filter((r) => r.name !== SHARED_AUDIENCE);
    const found = await stackViolations(tfcWorkspaceIdentityAudience, stack);
    assert.deepEqual(
      found.map((v) => v.message).sort(),
      ["onboard-ws-Billing3", "onboard-ws-DataEtl2", "onboard-ws-NetProd1"].map((s) =>
        audienceMessage(`${s}-execution`),
      ),
    );
  });

  it("does not count a set attached to another workspace, or a set other than the attached one", async () => {
    const moved = analyzed.map((r) =>
      r.type === TYPES.tfcVariableSetAttachment && r.props.workspaceId === "ws-DataEtl2"
        ? mutate(r, { workspaceId: "ws-Elsewhere9" })
        : r,
    );
    assert.deepEqual(
      (await stackViolations(tfcWorkspaceIdentityAudience, moved)).map((v) => v.message),
      [audienceMessage("onboard-ws-DataEtl2-execution")],
    );
    const otherSet = analyzed.map((r) =>
      r.name === SHARED_AUDIENCE ? mutate(r, { variableSetId: "varset-Other" }) : r,
    );
    assert.equal((await stackViolations(tfcWorkspaceIdentityAudience, otherSet)).length, 3);
  });

  it("matches a set variable to an attachment through the VariableSet they both depend on while ids are unknown (preview)", async () => {
    const unknownIds: FixtureStackResource[] = analyzed.map((r) =>
      r.type === TYPES.tfcVariableSetVariable || r.type === TYPES.tfcVariableSetAttachment
        ? {
            ...mutate(r, { variableSetId: undefined }),
            propertyDependsOn: {
              variableSetId: [
                r.name.startsWith("onboarding-shared-vars") || r.name.endsWith("-shared-vars")
                  ? "onboarding-shared-vars"
                  : "onboard-prj-Analytics4-vars",
              ],
            },
          }
        : r,
    );
    assert.deepEqual(await stackViolations(tfcWorkspaceIdentityAudience, unknownIds), []);
  });

  it("counts a set attached to the project a Workspace resource names, and no other project", async () => {
    const stack = (projectId: string): FixtureStackResource[] => [
      {
        type: TYPES.tfcWorkspace,
        name: "ws",
        props: { executionMode: "agent", workspaceId: "ws-X1", projectId: "prj-X1" },
      },
      {
        type: TYPES.tfcVariableSetVariable,
        name: "set-audience",
        props: {
          variableSetId: "varset-1",
          key: "TFC_WORKLOAD_IDENTITY_AUDIENCE",
          category: "env",
          value: "aud",
        },
      },
      {
        type: TYPES.tfcVariableSetAttachment,
        name: "on-project",
        props: { variableSetId: "varset-1", projectId },
      },
    ];
    assert.deepEqual(await stackViolations(tfcWorkspaceIdentityAudience, stack("prj-X1")), []);
    assert.equal((await stackViolations(tfcWorkspaceIdentityAudience, stack("prj-Other2"))).length, 1);
  });

  it("refuses a static AWS key in a variable set, and a sensitive set variable not secret in state", async () => {
    const setVar = analyzed.find((r) => r.name === SHARED_AUDIENCE)!;
    assert.deepEqual(await violations(tfcNoStaticAwsKeys, setVar), []);
    const key = await violations(tfcNoStaticAwsKeys, mutate(setVar, { key: "AWS_SECRET_ACCESS_KEY" }));
    assert.match(key.join("\n"), /Variable-set variable .* is named AWS_SECRET_ACCESS_KEY/);
    const sensitive = mutate(setVar, { sensitive: true });
    assert.deepEqual(
      await violations(secretsStaySecret, { ...sensitive, additionalSecretOutputs: ["value"] }),
      [],
    );
    assert.match(
      (await violations(secretsStaySecret, { ...sensitive, additionalSecretOutputs: [] })).join("\n"),
      /would store value in plaintext state/,
    );
  });
});
