/**
 * The tfc-jit-aws policy pack: guardrails for the trust configuration (Vault JWT roles, the AWS
 * secrets engine, run policies), secrets in state, the agent image and agents, and HCP Terraform
 * workspaces. Run it with `pulumi preview --policy-pack policy`. Policies live in ./policies.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("tfc-jit-aws", {
  description: "Guardrails for just-in-time AWS credentials for HCP Terraform runs, issued by Vault.",
  policies,
});
