/**
 * Mock outputs and invoke results for the agent side (ECR, docker, tfc), registered on the shared
 * recording mock monitor, and the well-known values tests assert against.
 */
import { installMocks, isSecretInput, recorder } from "../support/pulumi-mocks";

export const T = {
  ecrRepo: "aws:ecr/repository:Repository",
  image: "docker:index/image:Image",
  ssmParam: "aws:ssm/parameter:Parameter",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  cluster: "aws:ecs/cluster:Cluster",
  taskDef: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  igw: "aws:ec2/internetGateway:InternetGateway",
  routeTable: "aws:ec2/routeTable:RouteTable",
  rtAssoc: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  smSecret: "aws:secretsmanager/secret:Secret",
  smVersion: "aws:secretsmanager/secretVersion:SecretVersion",
  scalingTarget: "aws:appautoscaling/target:Target",
  scalingPolicy: "aws:appautoscaling/policy:Policy",
  dockerProvider: "pulumi:providers:docker",
  remoteImage: "docker:index/remoteImage:RemoteImage",
  container: "docker:index/container:Container",
  pool: "pulumi-nodejs:dynamic/tfc:AgentPool",
  token: "pulumi-nodejs:dynamic/tfc:AgentToken",
  workspace: "pulumi-nodejs:dynamic/tfc:Workspace",
  poolAccess: "pulumi-nodejs:dynamic/tfc:AgentPoolAllowedWorkspaces",
  execution: "pulumi-nodejs:dynamic/tfc:WorkspaceExecution",
  variable: "pulumi-nodejs:dynamic/tfc:Variable",
} as const;

export const AGENT_TOKEN = "agent-token-secret.atlasv1.never-in-plaintext";
export const ECR_PASSWORD = "ecr-password-never-in-plaintext";
export const ECR_URL = "123456789012.dkr.ecr.us-east-1.amazonaws.com/tfc-jit-aws/tfc-agent";
export const DIGEST = `sha256:${"d1".repeat(32)}`;
export const WORKSPACE_ID = "ws-Demo123abc";

/** Registers mock outputs: an ECR repository URL, a pushed digest, a token secret, a workspace id. */
export function registerAgentMocks(): void {
  // Tests may override these two; every test starts from the default (outputs = inputs).
  recorder.outputs.delete(T.poolAccess);
  recorder.outputs.delete(T.execution);
  recorder.outputs.set(T.ecrRepo, () => ({
    repositoryUrl: ECR_URL,
    registryId: "123456789012",
    arn: "arn:aws:ecr:us-east-1:123456789012:repository/tfc-jit-aws/tfc-agent",
  }));
  recorder.outputs.set(T.image, (args) => {
    const imageName = String((args.inputs as Record<string, unknown>).imageName);
    return { repoDigest: `${imageName.replace(/:[^:/]+$/, "")}@${DIGEST}` };
  });
  recorder.outputs.set(T.token, () => ({ token: AGENT_TOKEN }));
  recorder.outputs.set(T.workspace, () => ({
    workspaceId: WORKSPACE_ID,
    htmlUrl: "https://app.terraform.io/app/acme/workspaces/network-prod",
  }));
  recorder.outputs.set(T.ssmParam, (args) => ({
    arn: `arn:aws:ssm:us-east-1:123456789012:parameter/${args.name}`,
  }));
  recorder.outputs.set(T.smSecret, (args) => ({
    arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${args.name}`,
  }));
  recorder.outputs.set(T.logGroup, (args) => ({
    arn: `arn:aws:logs:us-east-1:123456789012:log-group:${args.name}`,
    name: args.name,
  }));
  recorder.outputs.set(T.role, (args) => ({ arn: `arn:aws:iam::123456789012:role/${args.name}` }));
  recorder.outputs.set(T.cluster, (args) => ({
    arn: `arn:aws:ecs:us-east-1:123456789012:cluster/${args.name}`,
    name: args.name,
  }));
  recorder.outputs.set(T.taskDef, (args) => ({
    arn: `arn:aws:ecs:us-east-1:123456789012:task-definition/${args.name}:1`,
  }));
  recorder.outputs.set(T.service, (args) => ({ name: args.name }));
  recorder.outputs.set(T.remoteImage, () => ({ imageId: `sha256:${"e2".repeat(32)}` }));
  recorder.invokes.set("aws:ecr/getAuthorizationToken:getAuthorizationToken", () => ({
    userName: "AWS",
    password: ECR_PASSWORD,
    proxyEndpoint: "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
  }));
  recorder.invokes.set("aws:index/getRegion:getRegion", () => ({ region: "us-east-1", name: "us-east-1" }));
  recorder.invokes.set("aws:index/getAvailabilityZones:getAvailabilityZones", () => ({
    names: ["us-east-1a", "us-east-1b", "us-east-1c"],
  }));
}

/**
 * Whether `needle` occurs in any string of a recorded input outside a secret wrapper: a secret
 * that reached the engine in plain text would be stored unencrypted in state.
 */
export function inPlaintext(value: unknown, needle: string): boolean {
  if (isSecretInput(value)) return false;
  if (typeof value === "string") return value.includes(needle);
  if (Array.isArray(value)) return value.some((v) => inPlaintext(v, needle));
  if (value && typeof value === "object") return Object.values(value).some((v) => inPlaintext(v, needle));
  return false;
}

/** Every recorded resource whose inputs carry `needle` in plain text. */
export function resourcesLeaking(needle: string): string[] {
  return recorder.resources.filter((r) => inPlaintext(r.inputs, needle)).map((r) => `${r.type} ${r.name}`);
}

const INVOKES = [
  "aws:ecr/getAuthorizationToken:getAuthorizationToken",
  "aws:index/getRegion:getRegion",
  "aws:index/getAvailabilityZones:getAvailabilityZones",
];

/**
 * Mocha hooks for a suite that builds agent-side resources: installs the shared mocks, registers the agent mock outputs before each test and removes them after
 * the suite, so suites that run later in the same process see the shared recorder as they left it.
 */
export function useAgentMocks(): void {
  before(installMocks);
  beforeEach(() => {
    recorder.reset();
    registerAgentMocks();
  });
  after(() => {
    for (const type of Object.values(T)) recorder.outputs.delete(type);
    for (const token of INVOKES) recorder.invokes.delete(token);
    recorder.reset();
  });
}
