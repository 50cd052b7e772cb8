/**
 * The type tokens the policies match on. Strings rather than SDK classes: the pack must not need
 * the Vault, Docker or AWS SDKs installed, and the HCP Terraform resources are dynamic resources
 * that have no class of their own (`pulumi-nodejs:dynamic/<module>:<Kind>`).
 */
export const TYPES = {
  jwtAuthBackend: "vault:jwt/authBackend:AuthBackend",
  jwtAuthBackendRole: "vault:jwt/authBackendRole:AuthBackendRole",
  awsSecretBackend: "vault:aws/secretBackend:SecretBackend",
  awsSecretBackendRole: "vault:aws/secretBackendRole:SecretBackendRole",
  vaultPolicy: "vault:index/policy:Policy",
  awsProvider: "pulumi:providers:aws",
  dockerImage: "docker:index/image:Image",
  dockerContainer: "docker:index/container:Container",
  ecsTaskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  ssmParameter: "aws:ssm/parameter:Parameter",
  secretsManagerVersion: "aws:secretsmanager/secretVersion:SecretVersion",
  tfcAgentPool: "pulumi-nodejs:dynamic/tfc:AgentPool",
  tfcAgentToken: "pulumi-nodejs:dynamic/tfc:AgentToken",
  tfcWorkspace: "pulumi-nodejs:dynamic/tfc:Workspace",
  tfcWorkspaceExecution: "pulumi-nodejs:dynamic/tfc:WorkspaceExecution",
  tfcAgentPoolAllowedWorkspaces: "pulumi-nodejs:dynamic/tfc:AgentPoolAllowedWorkspaces",
  tfcVariable: "pulumi-nodejs:dynamic/tfc:Variable",
  tfcVariableSetVariable: "pulumi-nodejs:dynamic/tfc:VariableSetVariable",
  tfcVariableSetAttachment: "pulumi-nodejs:dynamic/tfc:VariableSetAttachment",
} as const;
