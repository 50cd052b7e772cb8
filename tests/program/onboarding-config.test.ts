/**
 * `tfc-jit-aws:workspaces` validation: every problem names its key path and a fix, all are
 * reported at once, and nothing registers from a bad list.
 */
import { strict as assert } from "node:assert";
import { recorder, settled } from "../support/pulumi-mocks";
import { ConfigErrors, type ConfigError } from "../../config/errors";
import { readStackConfig } from "../../config";
import { useAgentMocks } from "../agent/fixtures";
import { devSource } from "./dev-stack";
import { ACCOUNT, ANALYTICS, BILLING, NETWORK, buildWith } from "./onboarding-fixtures";

const K = "tfc-jit-aws:workspaces";
const APPLY = { policyArns: [`arn:aws:iam::${ACCOUNT}:policy/app`] };

/** The problems readStackConfig reports for `workspaces` (and any other key). */
function problems(workspaces: unknown, more: Record<string, string> = {}): ConfigError[] {
  try {
    readStackConfig(devSource({ workspaces: workspaces as object, ...more }));
  } catch (err) {
    assert.ok(err instanceof ConfigErrors, String(err));
    return [...err.errors];
  }
  return [];
}

function only(
  workspaces: unknown,
  key: string,
  problem: RegExp,
  fix: RegExp,
  more: Record<string, string> = {},
): void {
  const found = problems(workspaces, more);
  assert.deepEqual(
    found.map((e) => e.key),
    [`${K}${key}`],
    found.map((e) => e.message).join("\n"),
  );
  assert.match(found[0].problem, problem);
  assert.match(found[0].fix, fix);
}

describe("stack configuration: workspaces", () => {
  useAgentMocks();

  it("accepts three workspaces and a project, and none at all", () => {
    assert.deepEqual(problems([NETWORK, BILLING, ANALYTICS]), []);
    assert.deepEqual(problems([]), []);
    assert.deepEqual(readStackConfig(devSource()).workspaces, []);
  });

  it("refuses a value that is not a list", () => {
    only({ name: "x" }, "", /must be a list/, /Onboarding workspaces/);
  });

  it("refuses an entry that is not a map", () => {
    only(["network-prod"], "[0]", /must be a map with name and id/, /Onboarding workspaces/);
  });

  it("refuses unknown fields in an entry and in a phase block (typos are not ignored)", () => {
    only(
      [{ ...NETWORK, workspaceId: "ws-X" }],
      "[0].workspaceId",
      /is not a field.*known: name, id/,
      /remove it/,
    );
    only(
      [{ ...NETWORK, apply: { ...APPLY, policyArn: "x" } }],
      "[0].apply.policyArn",
      /is not a field.*policyArns/,
      /remove it/,
    );
  });

  it("refuses a phase block that is not a map", () => {
    const found = problems([{ ...NETWORK, plan: "read-only" }]);
    assert.deepEqual(
      found.map((e) => e.key),
      [`${K}[0].plan`],
    );
    assert.match(found[0].problem, /must be a map of permissions/);
  });

  it("requires a workspace entry's id, since the roles bind it, and checks its form", () => {
    only(
      [{ name: "network-prod", apply: APPLY }],
      "[0].id",
      /is required: the JWT roles bind the workspace id/,
      /--path 'tfc-jit-aws:workspaces\[0\]\.id' ws-/,
    );
    only([{ ...NETWORK, id: "network-prod" }], "[0].id", /is not a workspace id/, /ws-AbCd1234/);
  });

  it("requires a name with an id, and checks it against HCP Terraform's name rules", () => {
    only([{ id: "ws-Abc1", apply: APPLY }], "[0].name", /is required with id/, /workspaces\[0\]\.name/);
    only(
      [{ ...NETWORK, name: "network prod" }],
      "[0].name",
      /letters, digits, - and _/,
      /workspaces\[0\]\.name/,
    );
    only([{ ...NETWORK, name: 42 }], "[0].name", /must be a string/, /edit/);
  });

  it("requires project and projectId for a project entry, and checks both", () => {
    only(
      [{ projectId: "prj-Abc1", apply: APPLY }],
      "[0].project",
      /is required: an entry is a workspace .* or a whole project/,
      /project/,
    );
    only(
      [{ project: "Analytics", apply: APPLY }],
      "[0].projectId",
      /is required for a project entry.*terraform_project_id/,
      /prj-/,
    );
    only([{ ...ANALYTICS, projectId: "Analytics" }], "[0].projectId", /is not a project id/, /prj-AbCd1234/);
    only([{ ...ANALYTICS, project: "A*" }], "[0].project", /contains "\*"/, /project/);
  });

  it("refuses a derived Vault role name Vault would refuse (too long)", () => {
    const found = problems([{ ...NETWORK, name: "n".repeat(90) }], { vaultRoleNamePrefix: "p".repeat(20) });
    assert.ok(found.length > 0);
    assert.ok(found.every((e) => e.key === `${K}[0].name`));
    assert.match(found[0].problem, /gives the Vault role name "p{20}-n{90}-plan", which Vault refuses/);
    assert.match(found[0].fix, /shorten/);
  });

  it("judges each plan block like the stack's own: write-looking actions are refused, with the --path fix", () => {
    const write = {
      policyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["s3:PutObject"], Resource: "*" }],
      }),
    };
    only(
      [{ ...NETWORK, plan: write }],
      "[0].plan.policyDocument",
      /write-looking actions in the plan phase \(s3:PutObject\)/,
      /tfc-jit-aws:workspaces\[0\]\.plan\.policyDocument/,
    );
    // ... unless the stack deliberately allows plan writes.
    assert.deepEqual(problems([{ ...NETWORK, plan: write }], { allowPlanWrites: "true" }), []);
  });

  it("refuses a plan block that would let plans read secrets", () => {
    const secrets = {
      policyDocument: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["ssm:GetParameter"], Resource: "*" }],
      },
    };
    only([{ ...NETWORK, plan: secrets }], "[0].plan.policyDocument", /return secrets or credentials/, /Deny/);
  });

  it("refuses an entry whose apply phase grants nothing (permissions are never inherited from the stack)", () => {
    only(
      [{ name: "network-prod", id: "ws-Net1" }],
      "[0].apply",
      /grants no AWS permissions/,
      /pulumi config set --path 'tfc-jit-aws:workspaces\[0\]\.apply\.policyArns\[0\]'/,
    );
  });

  it("checks credential types and role ARNs per entry: assumed_role needs one role per phase", () => {
    only(
      [{ ...NETWORK, credentialType: "root" }],
      "[0].credentialType",
      /must be one of iam_user, assumed_role/,
      /--path tfc-jit-aws:workspaces\[0\]\.credentialType/,
    );
    only(
      [{ ...BILLING, plan: {} }],
      "[0].plan.roleArns",
      /is empty, but the assumed_role credential type needs the role/,
      /workspaces\[0\]\.plan\.roleArns/,
    );
    only(
      [
        {
          ...BILLING,
          apply: { roleArns: [...BILLING.apply.roleArns, `arn:aws:iam::${ACCOUNT}:role/other`] },
        },
      ],
      "[0].apply.roleArns",
      /more than one role/,
      /keep one ARN/,
    );
    only(
      [{ ...NETWORK, apply: { policyArns: ["admin"] } }],
      "[0].apply.policyArns",
      /"admin" is not an ARN/,
      /edit/,
    );
  });

  it("refuses two entries for one workspace, id or project, and the demo workspace itself", () => {
    only(
      [NETWORK, { ...NETWORK, id: "ws-Other1" }],
      "[1].name",
      /workspace "network-prod" is already onboarded by workspaces\[0\]/,
      /remove one/,
    );
    only(
      [NETWORK, { ...NETWORK, name: "network-two" }],
      "[1].id",
      /workspace id "ws-NetProd1" is already onboarded/,
      /remove one/,
    );
    only(
      [ANALYTICS, { ...ANALYTICS, project: "Analytics Two" }],
      "[1].projectId",
      /project id "prj-Analytics4"/,
      /remove one/,
    );
    only(
      [{ ...NETWORK, name: "hashicat-dev" }],
      "[0].name",
      /already onboarded by the demo workspace \(tfc-jit-aws:tfcWorkspace\)/,
      /remove one/,
    );
  });

  it("reports every entry's problems at once, and registers nothing", async () => {
    const found = problems([{ name: "a b", id: "x", apply: APPLY }, { project: "Analytics" }]);
    assert.deepEqual(found.map((e) => e.key).sort(), [
      `${K}[0].id`,
      `${K}[0].name`,
      `${K}[1].apply`,
      `${K}[1].projectId`,
    ]);
    assert.throws(() => buildWith([{ project: "Analytics" }]), ConfigErrors);
    await settled();
    assert.deepEqual(recorder.resources, []);
  });
});
