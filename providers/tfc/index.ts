/** HCP Terraform resources as Pulumi dynamic providers (docs/hcp-terraform-providers.md). */
export { AgentPool, type AgentPoolArgs } from "./agent-pool";
export { AgentToken, type AgentTokenArgs } from "./agent-token";
export { Workspace, type WorkspaceArgs, type VcsRepoArgs, type ExecutionMode } from "./workspace";
export { Variable, type VariableArgs, type VariableCategory } from "./variable";
export {
  AgentPoolAllowedWorkspaces,
  type AgentPoolAllowedWorkspacesArgs,
} from "./agent-pool-allowed-workspaces";
export { WorkspaceExecution, type WorkspaceExecutionArgs } from "./workspace-execution";
export { VariableSet, type VariableSetArgs } from "./variable-set";
export { VariableSetVariable, type VariableSetVariableArgs } from "./variable-set-variable";
export { VariableSetAttachment, type VariableSetAttachmentArgs } from "./variable-set-attachment";
