import * as assert from "node:assert/strict";
import { tfcNoStaticAwsKeys } from "../../policy/policies/tfc-no-static-aws-keys";
import { tfcWorkspaceIdentityAudience } from "../../policy/policies/tfc-workspace-identity-audience";
import { agentWorkspace, audienceVariable, sensitiveVariable } from "./fixtures";
import { type FixtureStackResource, mutate, stackViolations, violations } from "./harness";

const WS_URN = "urn:pulumi:dev::tfc-jit-aws::pulumi-nodejs:dynamic/tfc:Workspace::demo-workspace";

describe("policy tfc-workspace-identity-audience", () => {
  it("passes an agent workspace whose audience variable points at its id", async () => {
    assert.deepEqual(
      await stackViolations(tfcWorkspaceIdentityAudience, [agentWorkspace, audienceVariable]),
      [],
    );
  });
  it("passes when the variable depends on the workspace (ids unknown during preview)", async () => {
    const variable: FixtureStackResource = {
      ...mutate(audienceVariable, { workspaceId: undefined }),
      propertyDependsOn: { workspaceId: ["demo-workspace"] },
    };
    const workspace = mutate(agentWorkspace, { workspaceId: undefined });
    assert.deepEqual(await stackViolations(tfcWorkspaceIdentityAudience, [workspace, variable]), []);
  });
  it("refuses an agent workspace without the audience variable", async () => {
    assert.deepEqual(
      await stackViolations(tfcWorkspaceIdentityAudience, [agentWorkspace, sensitiveVariable]),
      [
        {
          message:
            "Agent-mode workspace demo-workspace has no env variable TFC_WORKLOAD_IDENTITY_AUDIENCE: add one, or HCP Terraform injects no identity token and every run fails",
          urn: WS_URN,
        },
      ],
    );
  });
  it("refuses an audience set as a terraform variable, or on another workspace", async () => {
    for (const variable of [
      mutate(audienceVariable, { category: "terraform" }),
      mutate(audienceVariable, { workspaceId: "ws-other" }),
      mutate(audienceVariable, { value: "" }),
    ]) {
      assert.equal(
        (await stackViolations(tfcWorkspaceIdentityAudience, [agentWorkspace, variable])).length,
        1,
      );
    }
  });
  it("does not judge remote-mode workspaces", async () => {
    const remote = mutate(agentWorkspace, { executionMode: "remote", agentPoolId: undefined });
    assert.deepEqual(await stackViolations(tfcWorkspaceIdentityAudience, [remote]), []);
  });

  describe("agent mode set by a WorkspaceExecution (the pool restricted to the workspace)", () => {
    // The program's shape: the Workspace leaves its mode unmanaged, a WorkspaceExecution sets agent.
    const workspace = mutate(agentWorkspace, { executionMode: undefined, agentPoolId: undefined });
    const execution: FixtureStackResource = {
      type: "pulumi-nodejs:dynamic/tfc:WorkspaceExecution",
      name: "demo-execution",
      props: { workspaceId: "ws-abc123", executionMode: "agent", agentPoolId: "apool-123" },
      propertyDependsOn: { workspaceId: ["demo-workspace"] },
    };
    const EXEC_URN =
      "urn:pulumi:dev::tfc-jit-aws::pulumi-nodejs:dynamic/tfc:WorkspaceExecution::demo-execution";

    it("refuses the agent-mode workspace without the audience variable, on the execution", async () => {
      assert.deepEqual(
        await stackViolations(tfcWorkspaceIdentityAudience, [workspace, execution, sensitiveVariable]),
        [
          {
            message:
              "Agent-mode workspace demo-execution has no env variable TFC_WORKLOAD_IDENTITY_AUDIENCE: add one, or HCP Terraform injects no identity token and every run fails",
            urn: EXEC_URN,
          },
        ],
      );
    });

    it("passes when the audience variable carries the workspace id", async () => {
      assert.deepEqual(
        await stackViolations(tfcWorkspaceIdentityAudience, [workspace, execution, audienceVariable]),
        [],
      );
    });

    it("passes during preview when the variable depends on the execution or on the workspace", async () => {
      const unknownIds = (r: FixtureStackResource) => ({ ...r, ...mutate(r, { workspaceId: undefined }) });
      for (const dependsOn of ["demo-execution", "demo-workspace"]) {
        const variable: FixtureStackResource = {
          ...mutate(audienceVariable, { workspaceId: undefined }),
          propertyDependsOn: { workspaceId: [dependsOn] },
        };
        assert.deepEqual(
          await stackViolations(tfcWorkspaceIdentityAudience, [
            unknownIds(workspace),
            unknownIds(execution),
            variable,
          ]),
          [],
          `variable depending on ${dependsOn}`,
        );
      }
    });

    it("refuses an audience variable of another workspace", async () => {
      const other = mutate(audienceVariable, { workspaceId: "ws-other" });
      assert.equal(
        (await stackViolations(tfcWorkspaceIdentityAudience, [workspace, execution, other])).length,
        1,
      );
    });

    it("does not judge an execution in remote mode", async () => {
      const remote: FixtureStackResource = {
        ...execution,
        props: { workspaceId: "ws-abc123", executionMode: "remote" },
      };
      assert.deepEqual(await stackViolations(tfcWorkspaceIdentityAudience, [workspace, remote]), []);
    });
  });
});

describe("policy tfc-no-static-aws-keys", () => {
  it("passes the hook contract variables", async () => {
    assert.deepEqual(await violations(tfcNoStaticAwsKeys, sensitiveVariable), []);
    assert.deepEqual(await violations(tfcNoStaticAwsKeys, audienceVariable), []);
  });
  it("refuses each static AWS key name, in any case", async () => {
    for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "aws_session_token"]) {
      const found = await violations(tfcNoStaticAwsKeys, mutate(sensitiveVariable, { key }));
      assert.deepEqual(found, [
        `Workspace variable ws-vault-addr is named ${key}, a static AWS credential: remove it; runs get short-lived credentials from Vault`,
      ]);
    }
  });
  it("refuses names added in the policy config", async () => {
    const variable = mutate(sensitiveVariable, { key: "aws_secret_key", category: "terraform" });
    assert.deepEqual(await violations(tfcNoStaticAwsKeys, variable), []);
    const found = await violations(tfcNoStaticAwsKeys, variable, { forbiddenKeys: ["aws_secret_key"] });
    assert.equal(found.length, 1);
  });
});
