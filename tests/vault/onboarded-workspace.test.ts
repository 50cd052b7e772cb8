/**
 * OnboardedWorkspace and its helpers on their own: a project entry gets the Vault side and its
 * own variable set attached to the project (no agent mode, no workspace variables),
 * bindings fail closed on ids that are not ids, the project subject refuses globs in its literal
 * segments, and a Pulumi-managed engine identity is allowed what onboarded entries' roles need.
 */
import { strict as assert } from "node:assert";
import { installMocks, plain, recorder, settled } from "../support/pulumi-mocks";
import { OnboardedWorkspace, type OnboardedWorkspaceArgs } from "../../components/onboarded-workspace";
import { entryBoundClaims } from "../../components/tfc-jwt-trust";
import { boundProjectSubject } from "../../components/bound-subject";
import { VaultAwsEngine } from "../../components/vault-aws-engine";
import { onboardedWorkspaceArgs, vaultAwsEngineArgs } from "../../components/vault-side-args";
import { readOnboardedEntries } from "../../config/workspaces";
import { readVaultSide } from "../../config/vault";
import { readerFor } from "./fixtures";
import * as pulumi from "@pulumi/pulumi";

const SHARED = {
  audience: "vault.workload.identity",
  vaultAddress: "https://vault.example.com:8200",
  authPath: "jwt-tfc",
  awsMountPath: "aws",
};
const BOUNDARY = "arn:aws:iam::123456789012:policy/tfc-boundary";
const MANAGED = {
  manageEngineIdentity: true,
  planUserPath: "/tfc/",
  applyUserPath: "/tfc-apply/",
  planPermissionsBoundaryArn: BOUNDARY,
  applyPermissionsBoundaryArn: BOUNDARY,
};

/** The validated Vault side and onboarded entries for `values` (merged onto the fixture config). */
function configured(values: Record<string, string | boolean | object>) {
  const r = readerFor(values);
  const side = readVaultSide(r);
  const entries = readOnboardedEntries(r, side);
  r.throwIfInvalid();
  return { side, entries };
}

const PROJECT_ENTRY = {
  project: "Analytics",
  projectId: "prj-Analytics4",
  apply: { policyArns: ["arn:aws:iam::123456789012:policy/analytics"] },
};

/** The args with the variable sets the stack would add (the shared set's id only: no resource). */
function withSets(args: Omit<OnboardedWorkspaceArgs, "variableSets">): OnboardedWorkspaceArgs {
  return {
    ...args,
    variableSets: {
      shared: { variableSetId: pulumi.output("varset-Shared1"), members: [] },
      organization: "acme",
      projectSetName: "pool-hooks-prj-Analytics4",
    },
  };
}

describe("OnboardedWorkspace", () => {
  before(installMocks);
  beforeEach(() => recorder.reset());

  it("gives a project entry its Vault roles and policies and its own variable set on the project: no agent mode, no workspace variables", async () => {
    const { side, entries } = configured({ workspaces: [PROJECT_ENTRY] });
    const made = new OnboardedWorkspace(
      "p",
      withSets(onboardedWorkspaceArgs(side, entries[0], SHARED, undefined)),
    );
    await settled();
    assert.deepEqual(recorder.resources.map((r) => r.type.split(":").pop()).sort(), [
      "AuthBackendRole",
      "AuthBackendRole",
      "OnboardedWorkspace",
      "Policy",
      "Policy",
      "SecretBackendRole",
      "SecretBackendRole",
      "VariableSet",
      "VariableSetAttachment",
      "VariableSetAttachment",
      ...Array<string>(5).fill("VariableSetVariable"),
    ]);
    assert.equal(made.workspaceId, undefined);
    const vars = await new Promise<Record<string, string>>((resolve) => made.hookVariables.apply(resolve));
    assert.equal(vars.TFC_VAULT_APPLY_ROLE, "tfc-project-analytics-apply");
    assert.equal(vars.TFC_VAULT_BACKED_AWS_AUTH_TYPE, "iam_user");
  });

  it("refuses a workspace entry without the pool's allow-list, before registering anything", async () => {
    const { side, entries } = configured({
      workspaces: [{ name: "billing", id: "ws-Billing3", apply: { policyArns: [BOUNDARY] } }],
    });
    const args: OnboardedWorkspaceArgs = withSets(
      onboardedWorkspaceArgs(side, entries[0], SHARED, undefined),
    );
    assert.throws(() => new OnboardedWorkspace("w", args), /needs poolAccess/);
    await settled();
    assert.deepEqual(
      recorder.resources.filter((r) => r.custom),
      [],
    );
  });

  it("fails closed on a project or workspace id that is not one (an empty id must not drop the binding)", () => {
    const base = { organization: "acme", project: "Analytics" };
    assert.throws(
      () => entryBoundClaims({ kind: "project", ...base, projectId: "" }, "plan"),
      /not a project id/,
    );
    assert.throws(
      () => entryBoundClaims({ kind: "workspace", ...base, workspace: "w", workspaceId: "" }, "plan"),
      /not a workspace id/,
    );
    assert.throws(
      () =>
        entryBoundClaims(
          { kind: "workspace", ...base, workspace: "w", workspaceId: "ws-1", projectId: "x" },
          "apply",
        ),
      /not a project id/,
    );
  });

  it("builds a project subject whose only glob is the workspace segment, and refuses globs elsewhere", () => {
    assert.equal(
      boundProjectSubject({ organization: "acme", project: "Data Team" }, "plan"),
      "organization:acme:project:Data Team:workspace:*:run_phase:plan",
    );
    assert.throws(() => boundProjectSubject({ organization: "acme", project: "*" }, "plan"), /contains "\*"/);
    assert.throws(() => boundProjectSubject({ organization: "a:b", project: "p" }, "apply"), /contains ":"/);
  });
});

describe("a Pulumi-managed engine identity with onboarded entries", () => {
  before(async () => {
    await installMocks();
    recorder.invokes.set("aws:index/getPartition:getPartition", () => ({
      partition: "aws",
      dnsSuffix: "amazonaws.com",
    }));
    recorder.invokes.set("aws:index/getCallerIdentity:getCallerIdentity", () => ({
      accountId: "123456789012",
      arn: "arn:aws:iam::123456789012:user/admin",
      userId: "AIDA",
    }));
    recorder.outputs.set("aws:iam/user:User", (args) => ({
      name: args.name,
      arn: `arn:aws:iam::123456789012:user/tfc-jit-aws/${String(args.name)}`,
    }));
  });
  beforeEach(() => recorder.reset());
  after(() => {
    recorder.invokes.delete("aws:index/getPartition:getPartition");
    recorder.invokes.delete("aws:index/getCallerIdentity:getCallerIdentity");
    recorder.outputs.delete("aws:iam/user:User");
  });

  it("may assume the roles an assumed_role entry uses, besides making the demo's users", async () => {
    const { side, entries } = configured({
      ...MANAGED,
      workspaces: [
        {
          name: "billing",
          id: "ws-Billing3",
          credentialType: "assumed_role",
          plan: { roleArns: ["arn:aws:iam::123456789012:role/billing-read"] },
          apply: { roleArns: ["arn:aws:iam::123456789012:role/billing-write"] },
        },
      ],
    });
    new VaultAwsEngine("eng", vaultAwsEngineArgs(side, entries));
    for (let i = 0; i < 4; i++) await settled();
    const policy = JSON.parse(
      String(plain(recorder.one("aws:iam/userPolicy:UserPolicy", "eng-identity-policy").inputs.policy)),
    ) as { Statement: { Action: string[]; Resource: string[] }[] };
    const assumable = policy.Statement.filter((s) => s.Action.includes("sts:AssumeRole")).flatMap(
      (s) => s.Resource,
    );
    assert.deepEqual(assumable.sort(), [
      "arn:aws:iam::123456789012:role/billing-read",
      "arn:aws:iam::123456789012:role/billing-write",
    ]);
  });

  it("holds onboarded iam_user entries to the same user path and boundary rules (inherited from the stack)", () => {
    const r = readerFor({
      ...MANAGED,
      workspaces: [{ name: "net", id: "ws-Net1", apply: { policyArns: [BOUNDARY], userPath: "/" } }],
    });
    readOnboardedEntries(r, readVaultSide(r));
    assert.deepEqual(
      r.errors.map((e) => e.key),
      ["tfc-jit-aws:workspaces[0].apply.userPath"],
    );
    assert.match(r.errors[0].fix, /pulumi config set --path tfc-jit-aws:workspaces\[0\]\.apply\.userPath/);
  });
});
