import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigErrors } from "../../config/errors";
import { ConfigReader, memorySource } from "../../config/reader";
import { readVaultSide, DEFAULT_PLAN_POLICY } from "../../config/vault";
import { DEV_CONFIG, ROOT_SECRET_KEY, readerFor, vaultSide } from "./fixtures";

type Values = Record<string, string | number | boolean | object | undefined>;

/** Reads DEV_CONFIG with `changes` (undefined removes a key) and returns the collected messages. */
const BOUNDARIES = {
  planPermissionsBoundaryArn: "arn:aws:iam::123456789012:policy/tfc-plan-boundary",
  applyPermissionsBoundaryArn: "arn:aws:iam::123456789012:policy/tfc-apply-boundary",
};

function problems(changes: Values, secrets: string[] = []): string[] {
  const values = Object.fromEntries(
    Object.entries({ ...DEV_CONFIG, ...changes }).filter(([, v]) => v !== undefined),
  ) as Record<string, string | number | boolean | object>;
  const reader = new ConfigReader(memorySource(values, (v) => pulumi.secret(v), secrets));
  readVaultSide(reader);
  return reader.errors.map((e) => e.message);
}

const policy = (statement: object | object[], version = "2012-10-17") =>
  JSON.stringify({ Version: version, Statement: statement });
const allow = (Action: string | string[]) => ({ Effect: "Allow", Action, Resource: "*" });

/** Each case: the change, the key the single message must name, and a fragment of its fix. */
const CASES: {
  name: string;
  change: Values;
  secrets?: string[];
  key: string;
  problem: RegExp;
  fix: RegExp;
}[] = [
  {
    name: "Vault address missing",
    change: { vaultAddress: undefined },
    key: "vaultAddress",
    problem: /is required/,
    fix: /pulumi config set tfc-jit-aws:vaultAddress https:\/\//,
  },
  {
    name: "Vault address over http",
    change: { vaultAddress: "http://vault.example.com:8200" },
    key: "vaultAddress",
    problem: /uses http/,
    fix: /https:\/\/vault\.example\.com:8200 \(for a local dev server only: pulumi config set tfc-jit-aws:allowInsecureHttp true\)/,
  },
  {
    name: "Vault address not a URL",
    change: { vaultAddress: "not a url" },
    key: "vaultAddress",
    problem: /is not a URL/,
    fix: /pulumi config set tfc-jit-aws:vaultAddress/,
  },
  {
    name: "Vault address not a URL, with credentials (masked, never echoed)",
    change: { vaultAddress: "https://admin:hunter2@vault example.com" },
    key: "vaultAddress",
    problem: /^tfc-jit-aws:vaultAddress: "https:\/\/\*\*\*@vault example\.com" is not a URL$/,
    fix: /pulumi config set tfc-jit-aws:vaultAddress/,
  },
  {
    name: "Vault address with credentials",
    change: { vaultAddress: "https://u:p@vault.example.com" },
    key: "vaultAddress",
    problem: /without credentials/,
    fix: /pulumi config set tfc-jit-aws:vaultAddress/,
  },
  {
    name: "HCP Terraform address with another scheme",
    change: { tfcAddress: "ftp://app.terraform.io" },
    key: "tfcAddress",
    problem: /must be an https:\/\/ URL/,
    fix: /pulumi config set tfc-jit-aws:tfcAddress https:\/\/app\.terraform\.io/,
  },
  {
    name: "HCP Terraform address with a path",
    change: { tfcAddress: "https://tfe.example.com/app" },
    key: "tfcAddress",
    problem: /has a path/,
    fix: /pulumi config set tfc-jit-aws:tfcAddress https:\/\//,
  },
  {
    name: "discovery CA bundle carrying a private key",
    change: {
      tfcDiscoveryCaPem:
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nKEYMATERIAL\n-----END PRIVATE KEY-----",
    },
    key: "tfcDiscoveryCaPem",
    problem:
      /^tfc-jit-aws:tfcDiscoveryCaPem: holds a "PRIVATE KEY" block; only CERTIFICATE blocks belong here/,
    fix: /\(the CA certificate only\)/,
  },
  {
    name: "discovery CA not PEM",
    change: { tfcDiscoveryCaPem: "not a cert" },
    key: "tfcDiscoveryCaPem",
    problem: /is not a PEM certificate/,
    fix: /pulumi config set tfc-jit-aws:tfcDiscoveryCaPem/,
  },
  {
    name: "organization missing",
    change: { tfcOrganization: undefined },
    key: "tfcOrganization",
    problem: /is required/,
    fix: /pulumi config set tfc-jit-aws:tfcOrganization my-org/,
  },
  {
    name: "organization with a space",
    change: { tfcOrganization: "acme corp" },
    key: "tfcOrganization",
    problem: /only letters, digits, - and _/,
    fix: /pulumi config set tfc-jit-aws:tfcOrganization/,
  },
  {
    name: "organization with a glob star",
    change: { tfcOrganization: "acme*" },
    key: "tfcOrganization",
    problem: /Vault's glob .* no escape/,
    fix: /as HCP Terraform shows it/,
  },
  {
    name: "project too short",
    change: { tfcProject: "ab" },
    key: "tfcProject",
    problem: /3 to 40/,
    fix: /pulumi config set tfc-jit-aws:tfcProject/,
  },
  {
    name: "project with a colon",
    change: { tfcProject: "Team:Prod" },
    key: "tfcProject",
    problem: /3 to 40 letters/,
    fix: /pulumi config set tfc-jit-aws:tfcProject/,
  },
  {
    name: "project with a glob star",
    change: { tfcProject: "Team *" },
    key: "tfcProject",
    problem: /Vault's glob/,
    fix: /pulumi config set tfc-jit-aws:tfcProject/,
  },
  {
    name: "workspace missing",
    change: { tfcWorkspace: undefined },
    key: "tfcWorkspace",
    problem: /is required/,
    fix: /pulumi config set tfc-jit-aws:tfcWorkspace my-workspace/,
  },
  {
    name: "workspace with a dot",
    change: { tfcWorkspace: "web.prod" },
    key: "tfcWorkspace",
    problem: /1 to 90 letters/,
    fix: /pulumi config set tfc-jit-aws:tfcWorkspace/,
  },
  {
    name: "workspace with a glob star",
    change: { tfcWorkspace: "web-*" },
    key: "tfcWorkspace",
    problem: /Vault's glob/,
    fix: /pulumi config set tfc-jit-aws:tfcWorkspace/,
  },
  {
    name: "audience missing",
    change: { jwtAudience: undefined },
    key: "jwtAudience",
    problem: /is required/,
    fix: /pulumi config set tfc-jit-aws:jwtAudience vault\.workload\.identity/,
  },
  {
    name: "JWT audience a wildcard",
    change: { jwtAudience: "*" },
    key: "jwtAudience",
    problem: /"\*" must be one literal audience/,
    fix: /pulumi config set tfc-jit-aws:jwtAudience vault\.workload\.identity/,
  },
  {
    name: "JWT audience a comma list",
    change: { jwtAudience: "vault.workload.identity,other" },
    key: "jwtAudience",
    problem: /must be one literal audience \(no \*, commas or spaces\)/,
    fix: /TFC_WORKLOAD_IDENTITY_AUDIENCE/,
  },
  {
    name: "JWT auth path with a leading slash",
    change: { jwtAuthPath: "/jwt" },
    key: "jwtAuthPath",
    problem: /without leading or trailing \//,
    fix: /pulumi config set tfc-jit-aws:jwtAuthPath jwt-tfc/,
  },
  {
    name: "AWS mount path with a trailing slash",
    change: { awsMountPath: "aws/" },
    key: "awsMountPath",
    problem: /without leading or trailing \//,
    fix: /pulumi config set tfc-jit-aws:awsMountPath aws/,
  },
  {
    name: "role name prefix in capitals",
    change: { vaultRoleNamePrefix: "TFC" },
    key: "vaultRoleNamePrefix",
    problem: /lower-case/,
    fix: /pulumi config set tfc-jit-aws:vaultRoleNamePrefix tfc/,
  },
  {
    name: "AWS region misspelt",
    change: { awsRegion: "europe" },
    key: "awsRegion",
    problem: /not an AWS region/,
    fix: /pulumi config set tfc-jit-aws:awsRegion us-east-1/,
  },
  {
    name: "IAM endpoint over http",
    change: { awsIamEndpoint: "http://iam.local" },
    key: "awsIamEndpoint",
    problem: /uses http/,
    fix: /pulumi config set tfc-jit-aws:awsIamEndpoint https:\/\/iam\.amazonaws\.com/,
  },
  {
    name: "STS endpoint not a URL",
    change: { awsStsEndpoint: "sts" },
    key: "awsStsEndpoint",
    problem: /is not a URL/,
    fix: /pulumi config set tfc-jit-aws:awsStsEndpoint/,
  },
  {
    name: "root secret key without its id",
    change: { awsRootSecretKey: ROOT_SECRET_KEY },
    secrets: ["awsRootSecretKey"],
    key: "awsRootAccessKey",
    problem: /needs both/,
    fix: /pulumi config set --secret tfc-jit-aws:awsRootAccessKey <value>/,
  },
  {
    name: "root key id without its secret",
    change: { awsRootAccessKey: "AKIAEXAMPLE" },
    secrets: ["awsRootAccessKey"],
    key: "awsRootSecretKey",
    problem: /needs both/,
    fix: /pulumi config set --secret tfc-jit-aws:awsRootSecretKey/,
  },
  {
    name: "rotation without a root key",
    change: { rotateRootKey: true },
    key: "rotateRootKey",
    problem: /no root key to rotate/,
    fix: /pulumi config set tfc-jit-aws:rotateRootKey false/,
  },
  {
    name: "managed identity and root keys together",
    change: {
      manageEngineIdentity: true,
      planUserPath: "/tfc/",
      applyUserPath: "/tfc/",
      ...BOUNDARIES,
      awsRootAccessKey: "AKIAEXAMPLE",
      awsRootSecretKey: ROOT_SECRET_KEY,
    },
    secrets: ["awsRootAccessKey", "awsRootSecretKey"],
    key: "manageEngineIdentity",
    problem: /only one identity/,
    fix: /pulumi config set tfc-jit-aws:manageEngineIdentity false/,
  },
  {
    name: "managed identity with federation tokens",
    change: {
      manageEngineIdentity: true,
      planUserPath: "/tfc/",
      planPermissionsBoundaryArn: BOUNDARIES.planPermissionsBoundaryArn,
      applyCredentialType: "federation_token",
    },
    key: "applyCredentialType",
    problem: /inherit the engine identity's own permissions/,
    fix: /pulumi config set tfc-jit-aws:applyCredentialType iam_user/,
  },
  {
    name: "managed identity with generated users at the root path",
    change: { manageEngineIdentity: true, applyUserPath: "/tfc/", ...BOUNDARIES },
    key: "planUserPath",
    problem:
      /is \/, but with manageEngineIdentity the engine may change \(and make keys for\) every IAM user named vault-\*/,
    fix: /pulumi config set tfc-jit-aws:planUserPath \/tfc-jit-aws-runs\//,
  },
  {
    name: "managed identity serving iam_user without a permissions boundary",
    change: {
      manageEngineIdentity: true,
      planUserPath: "/tfc/",
      applyUserPath: "/tfc/",
      planPermissionsBoundaryArn: BOUNDARIES.planPermissionsBoundaryArn,
    },
    key: "applyPermissionsBoundaryArn",
    problem: /is not set, but with manageEngineIdentity .* without a permissions boundary nothing caps/,
    fix: /pulumi config set tfc-jit-aws:applyPermissionsBoundaryArn arn:aws:iam::<account>:policy\/<boundary>/,
  },
  {
    name: "default lease longer than the maximum",
    change: { leaseTtlSeconds: 3000, maxLeaseTtlSeconds: 2400, planTokenTtlSeconds: 3000 },
    key: "leaseTtlSeconds",
    problem: /\(3000\) is longer than maxLeaseTtlSeconds \(2400\)/,
    fix: /lower tfc-jit-aws:leaseTtlSeconds or raise tfc-jit-aws:maxLeaseTtlSeconds/,
  },
  {
    name: "lease TTL out of range",
    change: { maxLeaseTtlSeconds: 10 },
    key: "maxLeaseTtlSeconds",
    problem: /whole number from 60 to 604800/,
    fix: /pulumi config set tfc-jit-aws:maxLeaseTtlSeconds 3600/,
  },
  {
    name: "token shorter than the lease",
    change: { planTokenTtlSeconds: 120 },
    key: "planTokenTtlSeconds",
    problem: /\(120\) is shorter than leaseTtlSeconds \(300\)/,
    fix: /raise tfc-jit-aws:planTokenTtlSeconds to at least 300/,
  },
  {
    name: "unknown credential type",
    change: { applyCredentialType: "root" },
    key: "applyCredentialType",
    problem: /must be one of iam_user, assumed_role, federation_token, session_token/,
    fix: /pulumi config set tfc-jit-aws:applyCredentialType iam_user/,
  },
  {
    name: "session_token with a policy",
    change: { applyCredentialType: "session_token", applyPolicyDocument: policy([allow("s3:*")]) },
    key: "applyCredentialType",
    problem: /takes no policy document/,
    fix: /pulumi config set tfc-jit-aws:applyCredentialType iam_user/,
  },
  {
    name: "session_token for plan",
    change: { planCredentialType: "session_token" },
    key: "planCredentialType",
    problem: /would not be read-only/,
    fix: /pulumi config set tfc-jit-aws:planCredentialType iam_user/,
  },
  {
    name: "policy not JSON",
    change: { applyPolicyDocument: "{Version" },
    key: "applyPolicyDocument",
    problem: /is not valid JSON/,
    fix: /JSON IAM policy/,
  },
  {
    name: "policy without Statement list",
    change: { applyPolicyDocument: "[1]" },
    key: "applyPolicyDocument",
    problem: /not an IAM policy object/,
    fix: /JSON IAM policy/,
  },
  {
    name: "policy with an old Version",
    change: { applyPolicyDocument: policy([allow("s3:*")], "2008-10-17") },
    key: "applyPolicyDocument",
    problem: /"Version": "2012-10-17"/,
    fix: /JSON IAM policy/,
  },
  {
    name: "policy with no statement",
    change: { applyPolicyDocument: policy([]) },
    key: "applyPolicyDocument",
    problem: /has no Statement/,
    fix: /JSON IAM policy/,
  },
  {
    name: "statement without Effect",
    change: { applyPolicyDocument: policy([{ Action: "s3:*", Resource: "*" }]) },
    key: "applyPolicyDocument",
    problem: /Statement 1 needs "Effect"/,
    fix: /JSON IAM policy/,
  },
  {
    name: "statement with a Principal",
    change: { applyPolicyDocument: policy([{ ...allow("s3:*"), Principal: "*" }]) },
    key: "applyPolicyDocument",
    problem: /Principal/,
    fix: /JSON IAM policy/,
  },
  {
    name: "statement with Action and NotAction",
    change: { applyPolicyDocument: policy([{ ...allow("s3:*"), NotAction: "iam:*" }]) },
    key: "applyPolicyDocument",
    problem: /exactly one of Action or NotAction/,
    fix: /JSON IAM policy/,
  },
  {
    name: "statement with a malformed action",
    change: { applyPolicyDocument: policy([allow("s3 GetObject")]) },
    key: "applyPolicyDocument",
    problem: /action "s3 GetObject"/,
    fix: /JSON IAM policy/,
  },
  {
    name: "statement without Resource",
    change: { applyPolicyDocument: policy([{ Effect: "Allow", Action: "s3:*" }]) },
    key: "applyPolicyDocument",
    problem: /exactly one of Resource or NotResource/,
    fix: /JSON IAM policy/,
  },
  {
    name: "plan policy with a write action",
    change: { planPolicyDocument: policy([allow(["ec2:DescribeVpcs", "ec2:RunInstances"])]) },
    key: "planPolicyDocument",
    problem: /write-looking actions in the plan phase \(ec2:RunInstances\)/,
    fix: /pulumi config set tfc-jit-aws:allowPlanWrites true/,
  },
  ...[
    "sts:GetFederationToken",
    "secretsmanager:GetSecretValue",
    "redshift:GetClusterCredentials",
    "ec2:GetPasswordData",
  ].map((action) => ({
    name: `plan policy with ${action}, a read verb that returns secrets`,
    change: { planPolicyDocument: policy([allow(["ec2:DescribeVpcs", action])]) },
    key: "planPolicyDocument",
    problem: new RegExp(`return secrets or credentials in the plan phase \\(${action}\\)`),
    fix: new RegExp(`"Effect":"Deny","Action":\\["${action}"\\],"Resource":"\\*"`),
  })),
  {
    name: "plan policy with ec2:Describe*, which reads instance user data",
    change: { planPolicyDocument: policy([allow(["ec2:Describe*"])]) },
    key: "planPolicyDocument",
    problem: /\(ec2:DescribeInstanceAttribute, ec2:DescribeLaunchTemplateVersions\)/,
    fix: /Deny/,
  },
  {
    name: "plan policy with a service wildcard",
    change: { planPolicyDocument: policy([allow("s3:*")]) },
    key: "planPolicyDocument",
    problem: /\(s3:\*\)/,
    fix: /Describe\*\/Get\*\/List\*/,
  },
  {
    name: "plan policy with a full wildcard",
    change: { planPolicyDocument: policy([allow("*")]) },
    key: "planPolicyDocument",
    problem: /\(\*\)/,
    fix: /allowPlanWrites/,
  },
  {
    name: "plan policy with NotAction",
    change: { planPolicyDocument: policy([{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }]) },
    key: "planPolicyDocument",
    problem: /NotAction \(allows every other action\)/,
    fix: /allowPlanWrites/,
  },
  {
    name: "assumed_role without role ARNs",
    change: { applyCredentialType: "assumed_role" },
    key: "applyRoleArns",
    problem: /needs the role\(s\) to assume/,
    fix: /set tfc-jit-aws:applyRoleArns to a YAML list of role ARNs/,
  },
  {
    name: "role ARNs on iam_user",
    change: { planRoleArns: ["arn:aws:iam::123456789012:role/x"] },
    key: "planRoleArns",
    problem: /apply only to assumed_role/,
    fix: /pulumi config set tfc-jit-aws:planCredentialType assumed_role/,
  },
  {
    name: "role ARN malformed",
    change: { applyCredentialType: "assumed_role", applyRoleArns: ["arn:aws:iam::1234:user/x"] },
    key: "applyRoleArns",
    problem: /is not an ARN like arn:aws:iam::123456789012:role/,
    fix: /edit tfc-jit-aws:applyRoleArns/,
  },
  {
    name: "role ARNs not a list",
    change: { applyRoleArns: "arn:aws:iam::123456789012:role/x" },
    key: "applyRoleArns",
    problem: /list of strings/,
    fix: /edit tfc-jit-aws:applyRoleArns in Pulumi.<stack>.yaml/,
  },
  {
    name: "policy ARN malformed",
    change: { planPolicyArns: ["ReadOnlyAccess"] },
    key: "planPolicyArns",
    problem: /is not an ARN like arn:aws:iam::aws:policy/,
    fix: /edit tfc-jit-aws:planPolicyArns/,
  },
  {
    name: "user path on an STS type",
    change: { applyCredentialType: "federation_token", applyUserPath: "/tfc/" },
    key: "applyUserPath",
    problem: /applies only to iam_user/,
    fix: /pulumi config set tfc-jit-aws:applyCredentialType iam_user/,
  },
  {
    name: "user path without slashes",
    change: { planUserPath: "tfc" },
    key: "planUserPath",
    problem: /is not an IAM path/,
    fix: /pulumi config set tfc-jit-aws:planUserPath \/tfc\//,
  },
  {
    name: "boundary not a policy ARN",
    change: { planPermissionsBoundaryArn: "boundary" },
    key: "planPermissionsBoundaryArn",
    problem: /is not a policy ARN/,
    fix: /pulumi config set tfc-jit-aws:planPermissionsBoundaryArn arn:aws:iam::/,
  },
  {
    name: "STS TTL under AWS's 900 s minimum",
    change: { applyCredentialType: "federation_token", applyStsTtlSeconds: 600 },
    key: "applyStsTtlSeconds",
    problem: /from 900 to 43200/,
    fix: /pulumi config set tfc-jit-aws:applyStsTtlSeconds 3600/,
  },
  {
    name: "STS TTL beyond the lease maximum",
    change: { applyCredentialType: "federation_token", applyStsTtlSeconds: 7200 },
    key: "applyStsTtlSeconds",
    problem: /\(7200\) is longer than maxLeaseTtlSeconds \(3600\)/,
    fix: /raise tfc-jit-aws:maxLeaseTtlSeconds/,
  },
  {
    name: "allowInsecureHttp not a boolean",
    change: { allowInsecureHttp: "yes" },
    key: "allowInsecureHttp",
    problem: /must be true or false/,
    fix: /pulumi config set tfc-jit-aws:allowInsecureHttp false/,
  },
];

describe("Vault-side config validation", () => {
  it("accepts the dev stack's config and fills the documented defaults", () => {
    const side = vaultSide();
    assert.equal(side.vaultAddress, "https://vault.example.com:8200");
    assert.deepEqual(side.tfc, {
      address: "https://app.terraform.io",
      organization: "acme",
      project: "Platform Team",
      workspace: "network-prod",
    });
    assert.deepEqual(side.trust, { authPath: "jwt-tfc", audience: "vault.workload.identity" });
    assert.equal(side.engine.mountPath, "aws");
    assert.equal(side.engine.rootKeys, undefined);
    assert.deepEqual(
      [side.engine.defaultLeaseTtlSeconds, side.engine.maxLeaseTtlSeconds, side.engine.rotateRootKey],
      [300, 3600, false],
    );
    assert.deepEqual(side.phases.plan, {
      credentialType: "iam_user",
      policyDocument: JSON.stringify(DEFAULT_PLAN_POLICY),
      policyArns: [],
      roleArns: [],
      iamGroups: [],
      userPath: "/",
      tokenTtlSeconds: 1800,
    });
    assert.equal(side.phases.apply.tokenTtlSeconds, 3600);
  });

  it("accepts http for a local dev server only when explicitly allowed", () => {
    assert.deepEqual(problems({ vaultAddress: "http://127.0.0.1:8200", allowInsecureHttp: true }), []);
    assert.deepEqual(problems({ tfcAddress: "http://localhost:8080", allowInsecureHttp: true }), []);
  });

  it("refuses http to another machine even when allowInsecureHttp is set (tokens, or the issuer's keys, over the network)", () => {
    assert.deepEqual(problems({ vaultAddress: "http://vault.internal:8200", allowInsecureHttp: true }), [
      "tfc-jit-aws:vaultAddress: is http to vault.internal, which is not this machine; allowInsecureHttp admits http to localhost only, anything else needs https. Fix: pulumi config set tfc-jit-aws:vaultAddress https://vault.example.com:8200",
    ]);
    assert.match(
      problems({ tfcAddress: "http://tfe.internal", allowInsecureHttp: true }).join("\n"),
      /^tfc-jit-aws:tfcAddress: is http to tfe\.internal, which is not this machine/,
    );
  });

  it("judges plan actions case-insensitively, as IAM does", () => {
    assert.deepEqual(
      problems({ planPolicyDocument: policy([allow(["EC2:describeVpcs", "s3:getbucketpolicy"])]) }),
      [],
    );
    const messages = problems({ planPolicyDocument: policy([allow(["S3:putObject"])]) });
    assert.equal(messages.length, 1);
    assert.match(messages[0], /write-looking actions in the plan phase \(S3:putObject\)/);
    assert.match(
      problems({ planPolicyDocument: policy([allow(["SecretsManager:getSecretVALUE"])]) }).join("\n"),
      /return secrets or credentials in the plan phase \(secretsmanager:GetSecretValue\)/,
    );
  });

  it("the default plan policy passes the plan guard; without its Deny it would not", () => {
    assert.deepEqual(problems({}), []);
    const allowOnly = { ...DEFAULT_PLAN_POLICY, Statement: DEFAULT_PLAN_POLICY.Statement.slice(0, 1) };
    assert.match(
      problems({ planPolicyDocument: JSON.stringify(allowOnly) }).join("\n"),
      /return secrets or credentials in the plan phase \(ec2:DescribeInstanceAttribute/,
    );
  });

  it("accepts a plan that writes only when explicitly allowed", () => {
    assert.deepEqual(
      problems({ planPolicyDocument: policy([allow("s3:PutObject")]), allowPlanWrites: true }),
      [],
    );
  });

  it("accepts an assumed_role phase with role ARNs and an STS lifetime", () => {
    const side = vaultSide({
      planCredentialType: "assumed_role",
      planRoleArns: ["arn:aws:iam::123456789012:role/tfc-plan"],
      planStsTtlSeconds: 900,
    });
    assert.equal(side.phases.plan.stsTtlSeconds, 900);
    assert.equal(side.phases.plan.userPath, undefined);
  });

  it("reports every problem at once, before anything is created", () => {
    const r = readerFor({
      tfcWorkspace: "a*",
      vaultAddress: "http://vault:8200",
      planPolicyDocument: policy([allow("*")]),
    });
    readVaultSide(r);
    assert.throws(
      () => r.throwIfInvalid(),
      (e: unknown) => e instanceof ConfigErrors && /3 problems/.test(e.message),
    );
  });

  it("never puts a secret value in a message", () => {
    const messages = problems({ awsRootSecretKey: ROOT_SECRET_KEY }, ["awsRootSecretKey"]);
    assert.equal(messages.length, 1);
    assert.doesNotMatch(messages.join("\n"), new RegExp(ROOT_SECRET_KEY));
  });

  for (const c of CASES) {
    it(`${c.name}: names tfc-jit-aws:${c.key} and the fix`, () => {
      const messages = problems(c.change, c.secrets);
      assert.equal(messages.length, 1, `expected one problem, got:\n${messages.join("\n")}`);
      const [message] = messages as [string];
      assert.ok(message.startsWith(`tfc-jit-aws:${c.key}: `), message);
      const [problem, fix] = message.split(". Fix: ") as [string, string];
      assert.match(problem, c.problem);
      assert.match(fix ?? "", c.fix);
    });
  }
});
