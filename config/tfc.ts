/**
 * The demo workspace and the parts of the hook contract (README.md, "The agent hooks") that only the
 * workspace needs: VCS connection, demo Terraform variables, Vault namespace and CA. The
 * organization, project and workspace names, the Vault address and the audience are Vault-side
 * keys (config/vault.ts): the JWT roles bind exactly those, so they are read in one place only.
 */
import type { ConfigReader } from "./reader";
import { certificatePemProblem } from "./vault-pem";

export type VcsConnection = { readonly oauthTokenId: string } | { readonly githubAppInstallationId: string };

export interface WorkspaceSettings {
  /** Project id (`prj-...`) of the project named by tfcProject; undefined = the default project. */
  readonly projectId?: string;
  readonly vcs: {
    /** `<owner>/<repo>`: a fork of hashicorp/hashicat-aws for the demo. */
    readonly identifier: string;
    readonly branch?: string;
    readonly connection: VcsConnection;
  };
  readonly workingDirectory?: string;
  readonly terraformVersion?: string;
  readonly autoApply: boolean;
  /** The demo repository's Terraform variables. */
  readonly demo: { readonly prefix: string; readonly region: string };
  /** `TFC_VAULT_NAMESPACE`, when Vault Enterprise / HCP Vault namespaces are used. */
  readonly vaultNamespace?: string;
  /** `TFC_VAULT_ENCODED_CACERT`: the PEM CA of Vault's TLS certificate, base64-encoded. */
  readonly vaultEncodedCaCert?: string;
}

const VCS_IDENTIFIER = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const TERRAFORM_VERSION = /^\d+\.\d+\.\d+$/;

export function readWorkspaceSettings(r: ConfigReader): WorkspaceSettings {
  const projectId = r.optionalString("tfcProjectId");
  if (projectId !== undefined && !/^prj-[A-Za-z0-9]+$/.test(projectId)) {
    r.fail(
      "tfcProjectId",
      `"${projectId}" is not a project id (prj-...)`,
      `pulumi config set ${r.fullKey("tfcProjectId")} prj-AbCd1234 (the id of the project named in tfcProject)`,
    );
  }

  const identifier = r.requiredString("demoVcsRepo", "my-github-user/hashicat-aws");
  if (identifier !== "" && !VCS_IDENTIFIER.test(identifier)) {
    r.fail(
      "demoVcsRepo",
      `"${identifier}" is not <owner>/<repository>`,
      `pulumi config set ${r.fullKey("demoVcsRepo")} my-github-user/hashicat-aws`,
    );
  }
  const branch = r.optionalString("demoVcsBranch");
  const oauthTokenId = r.optionalString("vcsOauthTokenId");
  const githubAppInstallationId = r.optionalString("vcsGithubAppInstallationId");
  let connection: VcsConnection = { oauthTokenId: "" };
  if (oauthTokenId !== undefined && githubAppInstallationId !== undefined) {
    r.fail(
      "vcsOauthTokenId",
      "is set together with vcsGithubAppInstallationId; a workspace uses one VCS connection",
      `remove one of ${r.fullKey("vcsOauthTokenId")} / ${r.fullKey("vcsGithubAppInstallationId")}`,
    );
  } else if (oauthTokenId !== undefined) {
    if (!/^ot-[A-Za-z0-9]+$/.test(oauthTokenId)) {
      r.fail(
        "vcsOauthTokenId",
        `"${oauthTokenId}" is not an OAuth token id (ot-...)`,
        `pulumi config set ${r.fullKey("vcsOauthTokenId")} ot-AbCd1234 (Organization settings > VCS providers)`,
      );
    }
    connection = { oauthTokenId };
  } else if (githubAppInstallationId !== undefined) {
    if (!/^ghain-[A-Za-z0-9]+$/.test(githubAppInstallationId)) {
      r.fail(
        "vcsGithubAppInstallationId",
        `"${githubAppInstallationId}" is not a GitHub App installation id (ghain-...)`,
        `pulumi config set ${r.fullKey("vcsGithubAppInstallationId")} ghain-AbCd1234`,
      );
    }
    connection = { githubAppInstallationId };
  } else {
    r.fail(
      "vcsOauthTokenId",
      "is required (or vcsGithubAppInstallationId): the demo workspace is linked to a VCS repository",
      `pulumi config set ${r.fullKey("vcsOauthTokenId")} ot-AbCd1234 (or ${r.fullKey("vcsGithubAppInstallationId")} ghain-...)`,
    );
  }

  const workingDirectory = r.optionalString("demoWorkingDirectory");
  const terraformVersion = r.optionalString("demoTerraformVersion");
  if (terraformVersion !== undefined && !TERRAFORM_VERSION.test(terraformVersion)) {
    r.fail(
      "demoTerraformVersion",
      `"${terraformVersion}" is not an exact x.y.z Terraform version`,
      `pulumi config set ${r.fullKey("demoTerraformVersion")} 1.9.8, or remove it for the workspace default`,
    );
  }
  const autoApply = r.boolean("demoAutoApply", false);
  const prefix = r.requiredString("demoPrefix", "acme-demo");
  if (prefix !== "" && !/^[a-z][a-z0-9-]{1,30}$/.test(prefix)) {
    r.fail(
      "demoPrefix",
      `"${prefix}" must be 2 to 31 lower-case letters, digits and -, starting with a letter (it names AWS resources)`,
      `pulumi config set ${r.fullKey("demoPrefix")} acme-demo`,
    );
  }
  const region = r.string("demoAwsRegion", "us-east-1");
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    r.fail(
      "demoAwsRegion",
      `"${region}" is not an AWS region name`,
      `pulumi config set ${r.fullKey("demoAwsRegion")} us-east-1`,
    );
  }

  const vaultNamespace = r.optionalString("vaultNamespace");
  if (vaultNamespace !== undefined && !/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*\/?$/.test(vaultNamespace)) {
    r.fail(
      "vaultNamespace",
      `"${vaultNamespace}" is not a Vault namespace path`,
      `pulumi config set ${r.fullKey("vaultNamespace")} admin`,
    );
  }
  const caPem = r.optionalString("vaultCaCertPem");
  const caProblem = caPem === undefined ? undefined : certificatePemProblem(caPem);
  if (caProblem !== undefined) {
    r.fail(
      "vaultCaCertPem",
      caProblem,
      `pulumi config set ${r.fullKey("vaultCaCertPem")} -- "$(cat vault-ca.pem)" (the CA certificate only)`,
    );
  }

  return {
    ...(projectId !== undefined ? { projectId } : {}),
    vcs: { identifier, ...(branch !== undefined ? { branch } : {}), connection },
    ...(workingDirectory !== undefined ? { workingDirectory } : {}),
    ...(terraformVersion !== undefined ? { terraformVersion } : {}),
    autoApply,
    demo: { prefix, region },
    ...(vaultNamespace !== undefined ? { vaultNamespace } : {}),
    ...(caPem !== undefined ? { vaultEncodedCaCert: Buffer.from(caPem, "utf8").toString("base64") } : {}),
  };
}
