import * as assert from "node:assert/strict";
import { awsEngineLeaseTtl } from "../../policy/policies/aws-engine-lease-ttl";
import { awsIamUserPermissionsBoundary } from "../../policy/policies/aws-iam-user-permissions-boundary";
import { awsPlanRoleReadOnly } from "../../policy/policies/aws-plan-role-read-only";
import { awsRoleNoWildcardAction } from "../../policy/policies/aws-role-no-wildcard-action";
import { awsStsTtlBounds } from "../../policy/policies/aws-sts-ttl-bounds";
import { awsApplyRole, awsPlanRole, awsSecretBackend } from "./fixtures";
import { mutate, violations } from "./harness";

const doc = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

describe("policy aws-engine-lease-ttl", () => {
  it("passes lease TTLs within the default limit", async () => {
    assert.deepEqual(await violations(awsEngineLeaseTtl, awsSecretBackend), []);
  });
  it("refuses unset lease TTLs (Vault's 32-day default)", async () => {
    const found = await violations(
      awsEngineLeaseTtl,
      mutate(awsSecretBackend, { defaultLeaseTtlSeconds: undefined, maxLeaseTtlSeconds: 0 }),
    );
    assert.deepEqual(found, [
      "AWS secrets engine engine-backend leaves defaultLeaseTtlSeconds unset, so credentials fall back to Vault's 32-day default: set it to at most 3600",
      "AWS secrets engine engine-backend leaves maxLeaseTtlSeconds unset, so credentials fall back to Vault's 32-day default: set it to at most 3600",
    ]);
  });
  it("refuses a lease TTL with units, naming the value instead of calling it unset", async () => {
    const found = await violations(
      awsEngineLeaseTtl,
      mutate(awsSecretBackend, { defaultLeaseTtlSeconds: "30m" }),
    );
    assert.deepEqual(found, [
      'AWS secrets engine engine-backend sets defaultLeaseTtlSeconds to "30m", which is not a number of seconds: set it to at most 3600 seconds',
    ]);
  });
  it("refuses a TTL above the limit", async () => {
    const found = await violations(
      awsEngineLeaseTtl,
      mutate(awsSecretBackend, { maxLeaseTtlSeconds: 43200 }),
    );
    assert.deepEqual(found, [
      "AWS secrets engine engine-backend sets maxLeaseTtlSeconds to 43200 seconds, above the limit of 3600: lower it",
    ]);
  });
  it("refuses a default above the maximum", async () => {
    const found = await violations(
      awsEngineLeaseTtl,
      mutate(awsSecretBackend, { defaultLeaseTtlSeconds: 3600, maxLeaseTtlSeconds: 1800 }),
    );
    assert.match(found.join("\n"), /defaultLeaseTtlSeconds \(3600\) above maxLeaseTtlSeconds \(1800\)/);
  });
  it("follows the configured limit", async () => {
    const found = await violations(awsEngineLeaseTtl, awsSecretBackend, { maxLeaseTtlSeconds: 7200 });
    assert.deepEqual(found, []);
    const strict = await violations(awsEngineLeaseTtl, awsSecretBackend, { maxLeaseTtlSeconds: 900 });
    assert.equal(strict.length, 2);
  });
});

describe("policy aws-plan-role-read-only", () => {
  it("passes a read-only plan role", async () => {
    assert.deepEqual(await violations(awsPlanRoleReadOnly, awsPlanRole), []);
  });
  it("does not judge the apply role", async () => {
    assert.deepEqual(await violations(awsPlanRoleReadOnly, awsApplyRole), []);
  });
  it("refuses write-looking actions, naming them", async () => {
    const role = mutate(awsPlanRole, {
      policyDocument: doc({
        Effect: "Allow",
        Action: ["ec2:DescribeVpcs", "s3:PutObject", "ec2:*"],
        Resource: "*",
      }),
    });
    assert.deepEqual(await violations(awsPlanRoleReadOnly, role), [
      'Plan role engine-plan-role ("tfc-plan") allows write-looking actions s3:PutObject, ec2:*: grant only Describe/Get/List-style actions to the plan phase',
    ]);
  });
  for (const action of [
    "sts:GetFederationToken",
    "secretsmanager:GetSecretValue",
    "redshift:GetClusterCredentials",
    "ec2:GetPasswordData",
    "ssm:GetParameters",
    "ecr:GetAuthorizationToken",
  ]) {
    it(`refuses ${action}: a read verb that returns secrets`, async () => {
      const role = mutate(awsPlanRole, {
        policyDocument: doc({ Effect: "Allow", Action: ["ec2:DescribeVpcs", action], Resource: "*" }),
      });
      assert.deepEqual(await violations(awsPlanRoleReadOnly, role), [
        `Plan role engine-plan-role ("tfc-plan") allows actions that return secrets ${action}: remove them, or Deny them on "*" in the same policyDocument`,
      ]);
    });
  }
  it("refuses ec2:Describe* (instance user data) and s3:Get* (objects) unless the document denies those", async () => {
    const role = mutate(awsPlanRole, {
      policyDocument: doc({ Effect: "Allow", Action: ["ec2:Describe*", "s3:Get*"], Resource: "*" }),
    });
    assert.match(
      (await violations(awsPlanRoleReadOnly, role)).join("\n"),
      /returns? secrets ec2:DescribeInstanceAttribute, ec2:DescribeLaunchTemplateVersions, s3:GetObject, s3:GetObjectVersion/,
    );
    const narrowDeny = mutate(awsPlanRole, {
      policyDocument: doc(
        { Effect: "Allow", Action: ["ec2:Describe*"], Resource: "*" },
        {
          Effect: "Deny",
          Action: ["ec2:DescribeInstanceAttribute"],
          Resource: "arn:aws:ec2:*:*:instance/i-1",
        },
        { Effect: "Deny", Action: ["ec2:DescribeLaunchTemplateVersions"], Resource: "*" },
      ),
    });
    assert.match(
      (await violations(awsPlanRoleReadOnly, narrowDeny)).join("\n"),
      /return secrets ec2:DescribeInstanceAttribute:/,
      "a Deny on some resources only does not take the grant back",
    );
  });
  it("ignores Deny statements", async () => {
    const role = mutate(awsPlanRole, {
      policyDocument: doc(
        { Effect: "Allow", Action: "ec2:Describe*", Resource: "*" },
        { Effect: "Deny", Action: "*", Resource: "*" },
      ),
    });
    assert.deepEqual(await violations(awsPlanRoleReadOnly, role), []);
  });
  it("refuses NotAction, which allows everything else", async () => {
    const role = mutate(awsPlanRole, {
      policyDocument: doc({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }),
    });
    assert.match((await violations(awsPlanRoleReadOnly, role)).join("\n"), /allows NotAction in statement 1/);
  });
  it("refuses a document that is not an IAM policy", async () => {
    const role = mutate(awsPlanRole, { policyDocument: "{not json" });
    assert.match(
      (await violations(awsPlanRoleReadOnly, role)).join("\n"),
      /policyDocument that is not an IAM policy/,
    );
  });
  it("refuses managed policies it cannot check, unless allow-listed", async () => {
    const role = mutate(awsPlanRole, {
      policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/PowerUserAccess"],
    });
    assert.deepEqual(await violations(awsPlanRoleReadOnly, role), [
      'Plan role engine-plan-role ("tfc-plan") attaches managed policies arn:aws:iam::aws:policy/PowerUserAccess, which cannot be checked as read-only: use a read-only policyDocument, or add them to readOnlyPolicyArns in the policy config',
    ]);
  });
  it("refuses IAM groups, whose permissions it cannot check", async () => {
    const role = mutate(awsPlanRole, { iamGroups: ["admins"] });
    assert.match((await violations(awsPlanRoleReadOnly, role)).join("\n"), /adds IAM groups admins/);
  });
  it("refuses an assumed role without a session policy (it would get the whole role)", async () => {
    const role = mutate(awsPlanRole, {
      credentialType: "assumed_role",
      policyDocument: undefined,
      roleArns: ["arn:aws:iam::123456789012:role/admin"],
    });
    assert.match(
      (await violations(awsPlanRoleReadOnly, role)).join("\n"),
      /assumes its target role with no session policy/,
    );
  });
  it("refuses session_token credentials (the engine's own permissions)", async () => {
    const role = mutate(awsPlanRole, { credentialType: "session_token", policyDocument: undefined });
    assert.match(
      (await violations(awsPlanRoleReadOnly, role)).join("\n"),
      /issues session_token credentials/,
    );
  });
  it("recognises plan roles by the configured name pattern", async () => {
    const role = mutate(awsPlanRole, {
      name: "speculative",
      policyDocument: doc({ Effect: "Allow", Action: "s3:PutObject", Resource: "*" }),
    });
    assert.deepEqual(await violations(awsPlanRoleReadOnly, role), []);
    const found = await violations(awsPlanRoleReadOnly, role, { planRoleNamePattern: "^speculative$" });
    assert.match(found.join("\n"), /allows write-looking actions s3:PutObject/);
  });
});

describe("policy aws-role-no-wildcard-action", () => {
  it("passes roles that list their actions", async () => {
    assert.deepEqual(await violations(awsRoleNoWildcardAction, awsPlanRole), []);
    assert.deepEqual(await violations(awsRoleNoWildcardAction, awsApplyRole), []);
  });
  it('refuses "Action": "*"', async () => {
    const role = mutate(awsApplyRole, {
      policyDocument: doc({ Effect: "Allow", Action: "*", Resource: "*" }),
    });
    assert.deepEqual(await violations(awsRoleNoWildcardAction, role), [
      'AWS role engine-apply-role allows every action ("*") in statement 1: list the actions the phase needs',
    ]);
  });
  it('refuses "*:*" in a list', async () => {
    const role = mutate(awsApplyRole, {
      policyDocument: doc(
        { Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
        { Effect: "Allow", Action: ["ec2:*", "*:*"], Resource: "*" },
      ),
    });
    assert.match((await violations(awsRoleNoWildcardAction, role)).join("\n"), /\("\*"\) in statement 2/);
  });
});

describe("policy aws-iam-user-permissions-boundary", () => {
  it("is advisory", () => {
    assert.equal(awsIamUserPermissionsBoundary.enforcementLevel, "advisory");
  });
  it("passes an iam_user role with a boundary, and STS roles without one", async () => {
    assert.deepEqual(await violations(awsIamUserPermissionsBoundary, awsPlanRole), []);
    assert.deepEqual(await violations(awsIamUserPermissionsBoundary, awsApplyRole), []);
  });
  it("flags an iam_user role without a boundary", async () => {
    const role = mutate(awsPlanRole, { permissionsBoundaryArn: undefined });
    assert.deepEqual(await violations(awsIamUserPermissionsBoundary, role), [
      "AWS role engine-plan-role creates IAM users without a permissions boundary: set permissionsBoundaryArn",
    ]);
  });
  it("treats an unset credential type as iam_user", async () => {
    const role = mutate(awsPlanRole, { permissionsBoundaryArn: undefined, credentialType: undefined });
    assert.equal((await violations(awsIamUserPermissionsBoundary, role)).length, 1);
  });
});

describe("policy aws-sts-ttl-bounds", () => {
  it("passes STS TTLs between 900 s and the limit", async () => {
    assert.deepEqual(await violations(awsStsTtlBounds, awsApplyRole), []);
  });
  it("refuses a TTL under the STS minimum", async () => {
    const found = await violations(awsStsTtlBounds, mutate(awsApplyRole, { defaultStsTtl: 300 }));
    assert.deepEqual(found, [
      "AWS role engine-apply-role sets defaultStsTtl to 300 seconds, below the STS minimum of 900: AWS would refuse every request; raise it",
    ]);
  });
  it("refuses a TTL above the limit (STS credentials cannot be revoked early)", async () => {
    const found = await violations(awsStsTtlBounds, mutate(awsApplyRole, { maxStsTtl: 43200 }));
    assert.deepEqual(found, [
      "AWS role engine-apply-role sets maxStsTtl to 43200 seconds, above the limit of 3600 (STS credentials cannot be revoked early): lower it",
    ]);
  });
  it("refuses a default above the maximum", async () => {
    const found = await violations(
      awsStsTtlBounds,
      mutate(awsApplyRole, { defaultStsTtl: 3600, maxStsTtl: 1800 }),
    );
    assert.match(found.join("\n"), /defaultStsTtl \(3600\) above maxStsTtl \(1800\)/);
  });
  it("does not judge iam_user roles", async () => {
    assert.deepEqual(await violations(awsStsTtlBounds, mutate(awsPlanRole, { defaultStsTtl: 60 })), []);
  });
  it("refuses unset STS TTLs (the default lifetime of credentials that cannot be revoked)", async () => {
    const found = await violations(
      awsStsTtlBounds,
      mutate(awsApplyRole, { defaultStsTtl: undefined, maxStsTtl: 0 }),
    );
    assert.deepEqual(found, [
      "AWS role engine-apply-role leaves defaultStsTtl unset, so its credentials live as long as Vault's or AWS's default (up to 12 hours, and they cannot be revoked early): set it to 900 to 3600 seconds",
      "AWS role engine-apply-role leaves maxStsTtl unset, so its credentials live as long as Vault's or AWS's default (up to 12 hours, and they cannot be revoked early): set it to 900 to 3600 seconds",
    ]);
  });
  it("refuses an STS TTL with units instead of seconds", async () => {
    const found = await violations(awsStsTtlBounds, mutate(awsApplyRole, { maxStsTtl: "12h" }));
    assert.deepEqual(found, [
      'AWS role engine-apply-role sets maxStsTtl to "12h", which is not a number of seconds: set it to 900 to 3600 seconds',
    ]);
  });
});
