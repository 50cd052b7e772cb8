import { strict as assert } from "node:assert";
import { installMocks, isSecretInput, plain, recorder, settled } from "../support/pulumi-mocks";
import { VaultAwsEngine } from "../../components/vault-aws-engine";
import { vaultAwsEngineArgs } from "../../components/vault-side-args";
import { engineIdentityPolicy, type EngineRoleNeeds } from "../../components/engine-iam-policy";
import { vaultSide } from "./fixtures";

interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: string[];
  Condition?: unknown;
}
const all = (json: string) => (JSON.parse(json) as { Statement: Statement[] }).Statement;
/** The Allow statements (the engine's grants); the Deny on its own user is checked on its own. */
const statements = (json: string) => all(json).filter((s) => s.Effect === "Allow");
/** IAM's ARN wildcard match (`*` any run of characters, `?` one). */
const arnMatches = (pattern: string, arn: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  ).test(arn);
// Pulumi's auto-name of the engine user of a component named `vault-aws` (stack.ts).
const SELF = "arn:aws:iam::123456789012:user/tfc-jit-aws/vault-aws-identity-user-1a2b3c4";

const MANAGED_SECRET = "managed-identity-secret";
const BOUNDARY = "arn:aws:iam::123456789012:policy/tfc-boundary";
const IAM_USER: EngineRoleNeeds = {
  credentialType: "iam_user",
  userPath: "/",
  permissionsBoundaryArn: BOUNDARY,
  tagsUsers: false,
  roleArns: [],
  policyArns: [],
  iamGroups: [],
};

describe("engine identity policy (what a Pulumi-managed engine identity may do)", () => {
  it("lets iam_user roles manage only users named vault-* under their path", () => {
    const s = statements(
      engineIdentityPolicy([{ ...IAM_USER, userPath: "/tfc/" }], "aws", "123456789012", SELF),
    );
    assert.deepEqual(
      s.map((x) => x.Resource),
      [["arn:aws:iam::123456789012:user/tfc/vault-*"], ["arn:aws:iam::123456789012:user/tfc/vault-*"]],
    );
    assert.deepEqual(s[0].Action, ["iam:CreateUser", "iam:PutUserPermissionsBoundary", "iam:PutUserPolicy"]);
    assert.ok(s[1].Action.includes("iam:DeleteUser") && s[1].Action.includes("iam:CreateAccessKey"));
    assert.ok(!s.flatMap((x) => x.Action).some((a) => a.includes("*") || a === "iam:CreatePolicy"));
  });

  it("creates users, and puts policies on them, only with the permissions boundary", () => {
    const s = statements(engineIdentityPolicy([IAM_USER], "aws", "123456789012", SELF));
    const bounded = { StringEquals: { "iam:PermissionsBoundary": BOUNDARY } };
    assert.deepEqual(s[0].Condition, bounded);
    assert.deepEqual(s[0].Action, ["iam:CreateUser", "iam:PutUserPermissionsBoundary", "iam:PutUserPolicy"]);
    const unconditioned = s.filter((x) => x.Condition === undefined).flatMap((x) => x.Action);
    for (const action of ["iam:CreateUser", "iam:PutUserPolicy", "iam:AttachUserPolicy"]) {
      assert.ok(!unconditioned.includes(action), `${action} is never granted without the boundary`);
    }
  });

  it("refuses to build an iam_user engine policy without a permissions boundary", () => {
    assert.throws(
      () =>
        engineIdentityPolicy(
          [{ ...IAM_USER, permissionsBoundaryArn: undefined }],
          "aws",
          "123456789012",
          SELF,
        ),
      /needs a permissions boundary/,
    );
  });

  it("attaches only the role's own managed policies, and only when it has some", () => {
    const arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"];
    const none = statements(engineIdentityPolicy([IAM_USER], "aws", "123456789012", SELF));
    assert.ok(!none.flatMap((x) => x.Action).includes("iam:AttachUserPolicy"));
    const s = statements(
      engineIdentityPolicy([{ ...IAM_USER, policyArns: arns }], "aws", "123456789012", SELF),
    );
    const attach = s.find((x) => x.Action.includes("iam:AttachUserPolicy"))!;
    assert.deepEqual(attach.Condition, {
      StringEquals: { "iam:PermissionsBoundary": BOUNDARY },
      ArnEquals: { "iam:PolicyARN": arns },
    });
    assert.deepEqual(attach.Resource, ["arn:aws:iam::123456789012:user/vault-*"]);
  });

  it("lets users join only the role's own groups (granted on the group)", () => {
    const none = statements(engineIdentityPolicy([IAM_USER], "aws", "123456789012", SELF));
    assert.ok(!none.flatMap((x) => x.Action).includes("iam:AddUserToGroup"));
    const s = statements(
      engineIdentityPolicy([{ ...IAM_USER, iamGroups: ["readers"] }], "aws", "123456789012", SELF),
    );
    const join = s.find((x) => x.Action.includes("iam:AddUserToGroup"))!;
    assert.deepEqual(join.Resource, [
      "arn:aws:iam::123456789012:group/readers",
      "arn:aws:iam::123456789012:group/*/readers",
    ]);
  });

  it("adds iam:TagUser only when users are tagged", () => {
    const s = statements(
      engineIdentityPolicy([{ ...IAM_USER, tagsUsers: true }], "aws", "123456789012", SELF),
    );
    assert.deepEqual(s[0].Action, [
      "iam:CreateUser",
      "iam:TagUser",
      "iam:PutUserPermissionsBoundary",
      "iam:PutUserPolicy",
    ]);
  });

  it("lets assumed_role roles assume exactly their role ARNs", () => {
    const arns = ["arn:aws:iam::123456789012:role/deployer"];
    const s = statements(
      engineIdentityPolicy(
        [{ ...IAM_USER, credentialType: "assumed_role", roleArns: arns }],
        "aws-us-gov",
        "1",
        SELF,
      ),
    );
    assert.deepEqual(s, [
      { Sid: "AssumeRoles0", Effect: "Allow", Action: ["sts:AssumeRole"], Resource: arns },
    ]);
  });

  it("denies the engine every IAM action on its own user, which a role's vault-* grant can match", () => {
    const json = engineIdentityPolicy(
      [{ ...IAM_USER, userPath: "/tfc-jit-aws/" }],
      "aws",
      "123456789012",
      SELF,
    );
    // Why the Deny is needed: with this user path the Allow on vault-* users covers the engine
    // itself, PutUserPolicy included (it could grant itself anything).
    const selfGrants = statements(json).filter((s) => s.Resource.some((r) => arnMatches(r, SELF)));
    assert.ok(selfGrants.some((s) => s.Action.includes("iam:PutUserPolicy")));
    assert.deepEqual(all(json).at(-1), {
      Sid: "NeverSelf",
      Effect: "Deny",
      Action: ["iam:*"],
      Resource: [SELF],
    });
  });

  it("refuses credential types that would inherit the engine's own permissions", () => {
    for (const type of ["federation_token", "session_token"] as const) {
      assert.throws(
        () => engineIdentityPolicy([{ ...IAM_USER, credentialType: type }], "aws", "1", SELF),
        /cannot serve/,
      );
    }
    assert.throws(
      () => engineIdentityPolicy([{ ...IAM_USER, credentialType: "assumed_role" }], "aws", "1", SELF),
      /needs at least one role ARN/,
    );
  });
});

describe("VaultAwsEngine with a Pulumi-managed engine identity", () => {
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
    // AWS names the user; the mock answers with the resource name.
    recorder.outputs.set("aws:iam/user:User", (args) => ({
      name: args.name,
      arn: `arn:aws:iam::123456789012:user/tfc-jit-aws/${String(args.name)}`,
    }));
    recorder.outputs.set("aws:iam/accessKey:AccessKey", () => ({ secret: MANAGED_SECRET }));
  });
  beforeEach(() => recorder.reset());
  // The recorder is shared by the whole mocha process: leave it as it was found.
  after(() => {
    recorder.invokes.delete("aws:index/getPartition:getPartition");
    recorder.invokes.delete("aws:index/getCallerIdentity:getCallerIdentity");
    recorder.outputs.delete("aws:iam/user:User");
    recorder.outputs.delete("aws:iam/accessKey:AccessKey");
  });

  it("creates the user, its least-privilege policy and key, and configures the backend with that key as a secret", async () => {
    new VaultAwsEngine(
      "eng",
      vaultAwsEngineArgs(
        vaultSide({
          manageEngineIdentity: true,
          planUserPath: "/tfc/",
          applyUserPath: "/tfc-apply/",
          planPermissionsBoundaryArn: BOUNDARY,
          applyPermissionsBoundaryArn: BOUNDARY,
        }),
      ),
    );
    for (let i = 0; i < 4; i++) await settled();
    const user = recorder.one("aws:iam/user:User", "eng-identity-user");
    assert.equal(user.inputs.path, "/tfc-jit-aws/");
    const policy = recorder.one("aws:iam/userPolicy:UserPolicy", "eng-identity-policy");
    assert.equal(policy.inputs.user, "eng-identity-user");
    const resources = statements(policy.inputs.policy as string).flatMap((s) => s.Resource);
    assert.deepEqual([...new Set(resources)].sort(), [
      "arn:aws:iam::123456789012:user/tfc-apply/vault-*",
      "arn:aws:iam::123456789012:user/tfc/vault-*",
    ]);
    assert.deepEqual(
      all(policy.inputs.policy as string).filter((s) => s.Effect === "Deny"),
      [
        {
          Sid: "NeverSelf",
          Effect: "Deny",
          Action: ["iam:*"],
          Resource: ["arn:aws:iam::123456789012:user/tfc-jit-aws/eng-identity-user"],
        },
      ],
    );
    recorder.one("aws:iam/accessKey:AccessKey", "eng-identity-key");
    const backend = recorder.one("vault:aws/secretBackend:SecretBackend", "eng-backend");
    assert.equal(isSecretInput(backend.inputs.accessKey), true);
    assert.equal(isSecretInput(backend.inputs.secretKey), true);
    // The access key's id is the key id: the backend is configured with exactly the managed key.
    assert.equal(plain(backend.inputs.accessKey), "eng-identity-key-id");
    assert.equal(plain(backend.inputs.secretKey), MANAGED_SECRET);
  });
});
