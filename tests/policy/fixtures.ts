/**
 * Compliant resources, shaped like what the program registers (components/, providers/tfc/):
 * each spec mutates one field at a time from here.
 */
import type { FixtureResource } from "./harness";

export const DIGEST = `sha256:${"a".repeat(64)}`;

export const jwtAuthBackend: FixtureResource = {
  type: "vault:jwt/authBackend:AuthBackend",
  name: "trust-auth",
  props: {
    type: "jwt",
    path: "jwt-tfc",
    oidcDiscoveryUrl: "https://app.terraform.io",
    boundIssuer: "https://app.terraform.io",
  },
};

export const jwtPlanRole: FixtureResource = {
  type: "vault:jwt/authBackendRole:AuthBackendRole",
  name: "trust-plan-role",
  props: {
    backend: "jwt-tfc",
    roleName: "tfc-plan",
    roleType: "jwt",
    boundAudiences: ["vault.workload.identity"],
    boundClaimsType: "glob",
    boundClaims: {
      sub: "organization:acme:project:Default Project:workspace:networking:run_phase:plan",
      terraform_workspace_id: "ws-abc123",
    },
    userClaim: "terraform_full_workspace",
    tokenType: "service",
    tokenTtl: 1800,
    tokenMaxTtl: 1800,
    tokenPolicies: ["aws-tfc-plan-creds"],
  },
};

export const awsSecretBackend: FixtureResource = {
  type: "vault:aws/secretBackend:SecretBackend",
  name: "engine-backend",
  props: {
    path: "aws",
    region: "us-east-1",
    accessKey: "AKIAEXAMPLEEXAMPLE",
    secretKey: "not-a-real-secret",
    defaultLeaseTtlSeconds: 1800,
    maxLeaseTtlSeconds: 3600,
  },
  additionalSecretOutputs: ["accessKey", "secretKey", "secretKeyWo"],
};

const readOnlyDocument = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: ["ec2:Describe*", "iam:Get*", "iam:List*", "s3:ListBucket", "sts:GetCallerIdentity"],
      Resource: "*",
    },
    {
      Effect: "Deny",
      Action: ["ec2:DescribeInstanceAttribute", "ec2:DescribeLaunchTemplateVersions"],
      Resource: "*",
    },
  ],
});

export const awsPlanRole: FixtureResource = {
  type: "vault:aws/secretBackendRole:SecretBackendRole",
  name: "engine-plan-role",
  props: {
    backend: "aws",
    name: "tfc-plan",
    credentialType: "iam_user",
    policyDocument: readOnlyDocument,
    permissionsBoundaryArn: "arn:aws:iam::123456789012:policy/tfc-boundary",
  },
};

export const awsApplyRole: FixtureResource = {
  type: "vault:aws/secretBackendRole:SecretBackendRole",
  name: "engine-apply-role",
  props: {
    backend: "aws",
    name: "tfc-apply",
    credentialType: "assumed_role",
    roleArns: ["arn:aws:iam::123456789012:role/tfc-apply"],
    policyDocument: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["ec2:*", "s3:*"], Resource: "*" }],
    }),
    defaultStsTtl: 900,
    maxStsTtl: 3600,
  },
};

export const planVaultPolicy: FixtureResource = {
  type: "vault:index/policy:Policy",
  name: "engine-plan-policy",
  props: {
    name: "aws-tfc-plan-creds",
    policy: [
      '# tfc-jit-aws: plan phase, AWS secrets engine role "tfc-plan" (iam_user) on mount "aws".',
      'path "aws/creds/tfc-plan" {\n  capabilities = ["read"]\n}',
      'path "sys/leases/revoke/aws/creds/tfc-plan/*" {\n  capabilities = ["update"]\n}',
      "",
    ].join("\n"),
  },
};

export const agentToken: FixtureResource = {
  type: "pulumi-nodejs:dynamic/tfc:AgentToken",
  name: "pool-token",
  props: { agentPoolId: "apool-123", description: "tfc-jit-aws agents", __provider: "exports.handler = ..." },
  additionalSecretOutputs: ["token"],
};

export const sensitiveVariable: FixtureResource = {
  type: "pulumi-nodejs:dynamic/tfc:Variable",
  name: "ws-vault-addr",
  props: {
    workspaceId: "ws-abc123",
    key: "TFC_VAULT_ADDR",
    value: "https://vault.example.com",
    category: "env",
    sensitive: true,
  },
  additionalSecretOutputs: ["value"],
};

export const agentImage: FixtureResource = {
  type: "docker:index/image:Image",
  name: "agent-image",
  props: {
    imageName: "123456789012.dkr.ecr.us-east-1.amazonaws.com/tfc-agent-jit:1.28.3",
    build: {
      context: "hooks",
      dockerfile: "hooks/Dockerfile",
      platform: "linux/amd64",
      args: { TFC_AGENT_VERSION: "1.28.3", TFC_AGENT_DIGEST: DIGEST },
    },
    registry: {
      server: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
      username: "AWS",
      password: "ecr-token",
    },
  },
  additionalSecretOutputs: ["registry"],
};

const agentImageRef = `123456789012.dkr.ecr.us-east-1.amazonaws.com/tfc-agent-jit@${DIGEST}`;

export const agentTaskDefinition: FixtureResource = {
  type: "aws:ecs/taskDefinition:TaskDefinition",
  name: "pool-task",
  props: {
    family: "tfc-agent",
    containerDefinitions: JSON.stringify([
      {
        name: "tfc-agent",
        image: agentImageRef,
        essential: true,
        environment: [
          { name: "TFC_AGENT_NAME", value: "tfc-jit-aws" },
          { name: "TFC_AGENT_AUTO_UPDATE", value: "disabled" },
          { name: "TFC_AGENT_SINGLE", value: "true" },
        ],
        secrets: [
          { name: "TFC_AGENT_TOKEN", valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:tok" },
        ],
      },
      {
        name: "log-router",
        image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
        essential: false,
      },
    ]),
  },
};

export const agentContainer: FixtureResource = {
  type: "docker:index/container:Container",
  name: "pool-agent-0",
  props: {
    image: agentImageRef,
    envs: ["TFC_AGENT_TOKEN=secret-token", "TFC_AGENT_AUTO_UPDATE=disabled", "TFC_AGENT_SINGLE=true"],
  },
};

export const agentWorkspace: FixtureResource = {
  type: "pulumi-nodejs:dynamic/tfc:Workspace",
  name: "demo-workspace",
  props: {
    organization: "acme",
    name: "networking",
    executionMode: "agent",
    agentPoolId: "apool-123",
    workspaceId: "ws-abc123",
  },
};

export const audienceVariable: FixtureResource = {
  type: "pulumi-nodejs:dynamic/tfc:Variable",
  name: "demo-audience",
  props: {
    workspaceId: "ws-abc123",
    key: "TFC_WORKLOAD_IDENTITY_AUDIENCE",
    value: "vault.workload.identity",
    category: "env",
  },
  additionalSecretOutputs: ["value"],
};
