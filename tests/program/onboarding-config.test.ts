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
import {
  ACCOUNT,
  ANALYTICS,
  BILLING,
  HUB,
  LOG_ACCOUNT,
  NETWORK,
  TAGGED_PROJECT,
  buildWith,
} from "./onboarding-fixtures";

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

/**
 * Problems with a managed engine identity (no root keys): the entry keeps a boundary of its own
 * per phase, its tags inherit the stack's `<phase>PermissionsBoundaryArn` (null = unset).
 */
function problems2(
  workspaces: { awsConfigurations: object[] }[],
  more: Record<string, string>,
  stackBoundary: string | null,
): ConfigError[] {
  const own = "arn:aws:iam::123456789012:policy/entry-boundary";
  const entries = workspaces.map((w) => ({
    ...w,
    plan: { ...(w as { plan?: object }).plan, permissionsBoundaryArn: own },
    apply: { ...(w as { apply?: object }).apply, permissionsBoundaryArn: own },
  }));
  const values = {
    ...more,
    planPermissionsBoundaryArn: stackBoundary,
    applyPermissionsBoundaryArn: stackBoundary,
  };
  try {
    readStackConfig(devSource({ workspaces: entries, ...values }, {}));
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

describe("stack configuration: workspaces[i].awsConfigurations (tagged AWS configurations)", () => {
  useAgentMocks();
  const LOGS = HUB.awsConfigurations[0];
  const NET = HUB.awsConfigurations[1];
  const withTags = (...configs: unknown[]) => [{ ...HUB, awsConfigurations: configs }];

  it("accepts a workspace with two tags and a project with one, and reads their roles and permissions", () => {
    assert.deepEqual(problems([HUB, TAGGED_PROJECT]), []);
    const [hub, project] = readStackConfig(devSource({ workspaces: [HUB, TAGGED_PROJECT] })).workspaces;
    assert.deepEqual(
      hub.awsConfigurations.map((c) => [c.tag, c.credentialType, c.roleNames.plan, c.roleNames.apply]),
      [
        ["LOGS", "assumed_role", "tfc-hub-network.logs-plan", "tfc-hub-network.logs-apply"],
        ["NETWORK", "iam_user", "tfc-hub-network.network-plan", "tfc-hub-network.network-apply"],
      ],
    );
    assert.deepEqual(hub.awsConfigurations[0].phases.apply.roleArns, LOGS.apply.roleArns);
    // A plan without its own permissions gets the built-in read-only policy, as the entry's does.
    assert.match(String(hub.awsConfigurations[0].phases.plan.policyDocument), /ec2:Describe\*/);
    assert.deepEqual(hub.awsConfigurations[1].phases.apply.policyArns, NET.apply.policyArns);
    assert.equal(project.awsConfigurations[0].roleNames.plan, "tfc-project-analytics.logs-plan");
    assert.deepEqual(
      readStackConfig(devSource({ workspaces: [NETWORK] })).workspaces[0].awsConfigurations,
      [],
    );
  });

  it("refuses a tag HCP Terraform would refuse, or one starting with the reserved TYPE", () => {
    only(
      withTags({ ...LOGS, tag: "log-archive" }),
      "[0].awsConfigurations[0].tag",
      /letters, digits and underscores/,
      /--path 'tfc-jit-aws:workspaces\[0\]\.awsConfigurations\[0\]\.tag' log_archive/,
    );
    only(
      withTags({ ...LOGS, tag: "TYPE_LOGS" }),
      "[0].awsConfigurations[0].tag",
      /starts with TYPE, which is reserved/,
      /awsConfigurations\[0\]\.tag/,
    );
    only(withTags({ ...LOGS, tag: "types" }), "[0].awsConfigurations[0].tag", /reserved/, /tag/);
    only(withTags({ ...LOGS, tag: undefined }), "[0].awsConfigurations[0].tag", /is required/, /tag' LOGS/);
    only(withTags({ ...LOGS, tag: 7 }), "[0].awsConfigurations[0].tag", /must be a string/, /edit/);
  });

  it("refuses a tag twice in one entry, and two tags that would name the same Vault roles", () => {
    only(
      withTags(LOGS, NET, { ...NET }),
      "[0].awsConfigurations[2].tag",
      /already the tag of workspaces\[0\]\.awsConfigurations\[1\]/,
      /another tag/,
    );
    only(
      withTags(LOGS, { ...NET, tag: "logs" }),
      "[0].awsConfigurations[1].tag",
      /differs from "LOGS".*only in case/,
      /differs in more than case/,
    );
    // Another entry may use the same tag: its roles carry its own name.
    assert.deepEqual(problems([HUB, { ...NETWORK, awsConfigurations: [LOGS] }]), []);
  });

  it("refuses a list that is not one, an item that is not a map, and unknown fields (token TTL is the entry's)", () => {
    only(
      [{ ...HUB, awsConfigurations: { LOGS } }],
      "[0].awsConfigurations",
      /must be a list/,
      /docs\/onboarding\.md/,
    );
    only(withTags("LOGS"), "[0].awsConfigurations[0]", /must be a map with tag/, /tag' LOGS/);
    only(
      withTags({ ...LOGS, name: "logs" }),
      "[0].awsConfigurations[0].name",
      /not a field of an AWS configuration \(known: tag, credentialType, plan, apply\)/,
      /remove it/,
    );
    only(
      withTags({ ...NET, plan: { ...NET.plan, tokenTtlSeconds: 600 } }),
      "[0].awsConfigurations[0].plan.tokenTtlSeconds",
      /is not a field/,
      /remove it/,
    );
  });

  it("holds each tag to the default configuration's rules: role ARN shapes, assumed_role's one role, apply permissions", () => {
    only(
      withTags({ ...LOGS, plan: { roleArns: ["arn:aws:iam::123:role/x"] } }),
      "[0].awsConfigurations[0].plan.roleArns",
      /is not an ARN|not a role ARN|arn:aws:iam::/,
      /awsConfigurations\[0\]\.plan\.roleArns/,
    );
    only(
      withTags({ ...LOGS, plan: {} }),
      "[0].awsConfigurations[0].plan.roleArns",
      /assumed_role credential type needs the role/,
      /awsConfigurations\[0\]\.plan\.roleArns/,
    );
    only(
      withTags({
        ...LOGS,
        apply: {
          roleArns: [`arn:aws:iam::${LOG_ACCOUNT}:role/log-write`, `arn:aws:iam::${ACCOUNT}:role/other`],
        },
      }),
      "[0].awsConfigurations[0].apply.roleArns",
      /more than one role/,
      /keep one ARN/,
    );
    only(
      withTags({ tag: "NETWORK", plan: NET.plan }),
      "[0].awsConfigurations[0].apply",
      /grants no AWS permissions/,
      /--path 'tfc-jit-aws:workspaces\[0\]\.awsConfigurations\[0\]\.apply\.policyArns\[0\]'/,
    );
    only(
      withTags({ ...NET, credentialType: "root" }),
      "[0].awsConfigurations[0].credentialType",
      /must be one of iam_user, assumed_role/,
      /--path tfc-jit-aws:workspaces\[0\]\.awsConfigurations\[0\]\.credentialType/,
    );
  });

  it("guards each tag's plan like the default's: write-looking actions are refused unless allowPlanWrites", () => {
    const writes = {
      ...NET,
      plan: {
        policyDocument: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: ["ec2:CreateVpc"], Resource: "*" }],
        },
      },
    };
    const found = problems(withTags(writes));
    assert.deepEqual(
      found.map((e) => e.key),
      [`${K}[0].awsConfigurations[0].plan.policyDocument`],
      found.map((e) => e.message).join("\n"),
    );
    assert.match(found[0].problem, /ec2:CreateVpc/);
    assert.match(found[0].fix, /allowPlanWrites/);
    assert.deepEqual(problems(withTags(writes), { allowPlanWrites: "true" }), []);
  });

  it("with a Pulumi-managed engine identity, a tag's iam_user roles need a permissions boundary too", () => {
    const boundary = "arn:aws:iam::123456789012:policy/tfc-boundary";
    const managed = (phaseBoundary: string | null) =>
      problems2(
        [{ ...NETWORK, awsConfigurations: [NET] }],
        {
          manageEngineIdentity: "true",
          planUserPath: "/tfc/",
          applyUserPath: "/tfc/",
          planPermissionsBoundaryArn: boundary,
          applyPermissionsBoundaryArn: boundary,
          // The entry's own phases carry a boundary; only the tag's inherit the stack's.
        },
        phaseBoundary,
      );
    assert.deepEqual(managed(boundary), []);
    // The stack's own phases are refused too; of the entry, only the tag's phases (the entry's
    // carry a boundary of their own).
    const keys = managed(null)
      .map((e) => e.key)
      .filter((k) => k.startsWith(K));
    assert.deepEqual(keys, [
      `${K}[0].awsConfigurations[0].plan.permissionsBoundaryArn`,
      `${K}[0].awsConfigurations[0].apply.permissionsBoundaryArn`,
    ]);
  });

  it("refuses a tag whose Vault role names would pass Vault's length limit", () => {
    only(
      withTags({ ...NET, tag: "N".repeat(90) }),
      "[0].awsConfigurations[0].tag",
      /longer than 100 characters/,
      /shorten/,
    );
  });
});
