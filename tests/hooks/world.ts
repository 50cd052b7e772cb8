/**
 * The world a simulated run happens in: token issuer, AWS double, Vault double (TLS with the test
 * CA), configured as our Pulumi program configures Vault: a JWT mount trusting the issuer, plan and
 * apply JWT roles bound to org/project/workspace and the literal run phase, one policy per phase
 * (components/vault-policy.ts: its creds, revoke/lookup/renew of its own leases, its own token), AWS engine roles.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { renderPhasePolicy } from "../../components/vault-policy";
import { AgentSimulator, type SimulatorOptions } from "../support/agent-simulator";
import { AwsDouble } from "../support/aws-double";
import { testCa, type TestCa } from "../support/test-ca";
import { TokenIssuer } from "../support/token-issuer";
import { type AwsCredentialType, VaultDouble } from "../support/vault-double";

export const RUN = {
  organization: "acme",
  project: "Platform Team",
  workspace: "network-prod",
  audience: "vault.workload.identity",
} as const;

export const ROOT_USER = "vault-root";

export interface WorldOptions {
  readonly credentialType?: AwsCredentialType;
  readonly namespace?: string;
  readonly legacySecurityToken?: boolean;
  readonly propagationDelayMs?: number;
  readonly tls?: boolean;
  /** TTL of the tokens the JWT roles issue (default 1200 s). */
  readonly tokenTtlSeconds?: number;
  /** token_max_ttl of the JWT roles (default: none, the system max). */
  readonly tokenMaxTtlSeconds?: number;
  /** iam_user lease TTL and max TTL of the AWS roles (default 900 s, no max). */
  readonly leaseTtlSeconds?: number;
  readonly leaseMaxTtlSeconds?: number;
  /** The AWS engine's `config/root` `username_template` (default: unset, Vault's default). */
  readonly usernameTemplate?: string;
}

export class World {
  private constructor(
    readonly ca: TestCa,
    readonly issuer: TokenIssuer,
    readonly aws: AwsDouble,
    readonly vault: VaultDouble,
    readonly options: WorldOptions,
  ) {}

  static async start(options: WorldOptions = {}): Promise<World> {
    const ca = await testCa();
    const issuer = await TokenIssuer.start(ca);
    const aws = await AwsDouble.start({ propagationDelayMs: options.propagationDelayMs ?? 0 });
    const vault = await VaultDouble.start({
      aws,
      ...(options.tls === false ? {} : { ca }),
      legacySecurityToken: options.legacySecurityToken ?? false,
    });
    const world = new World(ca, issuer, aws, vault, options);
    world.seed();
    return world;
  }

  /** The policies each phase's JWT role grants (the phase's own first). */
  private readonly policies: Record<"plan" | "apply", string[]> = { plan: [], apply: [] };

  /** (Re)writes the phase's JWT role on `mount` with the phase's policies. */
  private addJwtRoles(phase: "plan" | "apply", mount = "jwt", audience: string = RUN.audience): void {
    this.vault.addJwtRole(
      mount,
      `tfc-${phase}`,
      {
        role_type: "jwt",
        user_claim: "terraform_full_workspace",
        bound_audiences: [audience],
        bound_claims_type: "glob",
        bound_claims: {
          sub: `organization:${RUN.organization}:project:${RUN.project}:workspace:${RUN.workspace}:run_phase:${phase}`,
        },
        claim_mappings: { terraform_run_id: "run_id" },
        token_policies: this.policies[phase],
        token_ttl: this.options.tokenTtlSeconds ?? 1200,
        ...(this.options.tokenMaxTtlSeconds ? { token_max_ttl: this.options.tokenMaxTtlSeconds } : {}),
        token_type: "service",
      },
      this.options.namespace,
    );
  }

  /**
   * A tagged AWS configuration as the program sets one up: per phase an engine role
   * `<phase>-<tag>` on mount "aws" (assumed_role: role ARN `arn:aws:iam::<account>:role/<tag>-<phase>`)
   * and a policy granting the phase's JWT role read on it, unless `refusedIn` is that phase.
   * Returns the workspace variables of the configuration.
   */
  addAwsConfiguration(
    tag: string,
    options: {
      readonly type?: AwsCredentialType;
      readonly refusedIn?: "plan" | "apply";
      readonly account?: string;
    } = {},
  ): Record<string, string> {
    const type = options.type ?? this.credentialType;
    const account = options.account ?? "210987654321";
    const env: Record<string, string> = {
      [`TFC_VAULT_BACKED_AWS_AUTH_${tag}`]: "false",
      [`TFC_VAULT_BACKED_AWS_AUTH_TYPE_${tag}`]: type,
    };
    for (const phase of ["plan", "apply"] as const) {
      const role = `${phase}-${tag.toLowerCase()}`;
      const roleArn = `arn:aws:iam::${account}:role/${tag.toLowerCase()}-${phase}`;
      this.vault.addAwsRole(
        "aws",
        role,
        {
          credential_type: type,
          default_ttl: this.options.leaseTtlSeconds ?? 900,
          ...(this.options.leaseMaxTtlSeconds ? { max_ttl: this.options.leaseMaxTtlSeconds } : {}),
          default_sts_ttl: 900,
          ...(type === "assumed_role" ? { role_arns: [roleArn] } : {}),
        },
        this.options.namespace,
      );
      env[`TFC_VAULT_BACKED_AWS_${phase.toUpperCase()}_VAULT_ROLE_${tag}`] = role;
      if (type === "assumed_role")
        env[`TFC_VAULT_BACKED_AWS_${phase.toUpperCase()}_ROLE_ARN_${tag}`] = roleArn;
      if (options.refusedIn === phase) continue;
      const policy = `tfc-${phase}-${tag.toLowerCase()}`;
      this.vault.addPolicy(policy, renderPhasePolicy("aws", role, type, phase), this.options.namespace);
      this.policies[phase].push(policy);
      this.addJwtRoles(phase);
    }
    return env;
  }

  /**
   * A tagged Vault configuration: a second JWT mount `jwt-<v>` trusting the same issuer, whose
   * roles accept only `audience` and grant the same policies. Returns its workspace variables.
   */
  addVaultConfiguration(v: string, audience: string): Record<string, string> {
    const mount = `jwt-${v.toLowerCase()}`;
    this.vault.configureJwt(
      mount,
      {
        oidc_discovery_url: this.issuer.issuer,
        oidc_discovery_ca_pem: this.ca.certPem,
        bound_issuer: this.issuer.issuer,
      },
      this.options.namespace,
    );
    for (const phase of ["plan", "apply"] as const) this.addJwtRoles(phase, mount, audience);
    return {
      [`TFC_WORKLOAD_IDENTITY_AUDIENCE_${v}`]: audience,
      [`TFC_VAULT_ADDR_${v}`]: this.vault.address,
      ...(this.vault.caCertPem ? { [`TFC_VAULT_ENCODED_CACERT_${v}`]: this.ca.encoded } : {}),
      ...(this.options.namespace ? { [`TFC_VAULT_NAMESPACE_${v}`]: this.options.namespace } : {}),
      [`TFC_VAULT_AUTH_PATH_${v}`]: mount,
      [`TFC_VAULT_PLAN_ROLE_${v}`]: "tfc-plan",
      [`TFC_VAULT_APPLY_ROLE_${v}`]: "tfc-apply",
    };
  }

  get credentialType(): AwsCredentialType {
    return this.options.credentialType ?? "iam_user";
  }

  private seed(): void {
    const ns = this.options.namespace;
    this.vault.configureJwt(
      "jwt",
      {
        oidc_discovery_url: this.issuer.issuer,
        oidc_discovery_ca_pem: this.ca.certPem,
        bound_issuer: this.issuer.issuer,
      },
      ns,
    );
    for (const phase of ["plan", "apply"] as const) {
      this.policies[phase] = [`tfc-${phase}`];
      this.addJwtRoles(phase);
      // The policy the program renders (components/vault-policy.ts), keeper grants included.
      this.vault.addPolicy(`tfc-${phase}`, renderPhasePolicy("aws", phase, this.credentialType, phase), ns);
    }
    this.aws.createUser(ROOT_USER);
    const root = this.aws.createAccessKey(ROOT_USER);
    this.vault.configureAws(
      "aws",
      {
        access_key: root.accessKeyId,
        secret_key: root.secretAccessKey,
        region: "us-east-1",
        ...(this.options.usernameTemplate ? { username_template: this.options.usernameTemplate } : {}),
      },
      ns,
    );
    const type = this.credentialType;
    for (const phase of ["plan", "apply"] as const) {
      this.vault.addAwsRole(
        "aws",
        phase,
        {
          credential_type: type,
          default_ttl: this.options.leaseTtlSeconds ?? 900,
          ...(this.options.leaseMaxTtlSeconds ? { max_ttl: this.options.leaseMaxTtlSeconds } : {}),
          default_sts_ttl: 900,
          ...(type === "assumed_role" ? { role_arns: [`arn:aws:iam::123456789012:role/tfc-${phase}`] } : {}),
        },
        ns,
      );
    }
  }

  /** The workspace variables of the hook contract for this world. */
  workspaceEnv(overrides: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
    const env: Record<string, string | undefined> = {
      TFC_WORKLOAD_IDENTITY_AUDIENCE: RUN.audience,
      TFC_VAULT_ADDR: this.vault.address,
      ...(this.vault.caCertPem ? { TFC_VAULT_ENCODED_CACERT: this.ca.encoded } : {}),
      ...(this.options.namespace ? { TFC_VAULT_NAMESPACE: this.options.namespace } : {}),
      TFC_VAULT_PLAN_ROLE: "tfc-plan",
      TFC_VAULT_APPLY_ROLE: "tfc-apply",
      TFC_VAULT_BACKED_AWS_AUTH_TYPE: this.credentialType,
      TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE: "plan",
      TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE: "apply",
      ...(this.credentialType === "assumed_role"
        ? {
            TFC_VAULT_BACKED_AWS_PLAN_ROLE_ARN: "arn:aws:iam::123456789012:role/tfc-plan",
            TFC_VAULT_BACKED_AWS_APPLY_ROLE_ARN: "arn:aws:iam::123456789012:role/tfc-apply",
          }
        : {}),
      ...overrides,
    };
    return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  }

  simulator(options: Partial<Omit<SimulatorOptions, "issuer" | "aws">> = {}): AgentSimulator {
    return new AgentSimulator({
      issuer: this.issuer,
      aws: this.aws,
      run: RUN,
      workspaceEnv: options.workspaceEnv ?? this.workspaceEnv(),
      ...(options.agentEnv ? { agentEnv: options.agentEnv } : {}),
      ...(options.tokenFor ? { tokenFor: options.tokenFor } : {}),
      ...(options.host ? { host: options.host } : {}),
      ...(options.terraform ? { terraform: options.terraform } : {}),
    });
  }

  /** Live leases, non-root IAM users and tokens once async revocations have run. */
  async leftovers(): Promise<{ leases: number; users: string[]; tokens: number }> {
    await this.vault.settled();
    return {
      leases: this.vault.liveLeases().length,
      users: this.aws.dynamicUsers([ROOT_USER]),
      tokens: this.vault.liveTokens().length,
    };
  }

  /** Whether AWS (the double's STS) accepts these `AWS_*` credentials right now, as Terraform would see it. */
  async awsAccepts(creds: Readonly<Record<string, string>>): Promise<boolean> {
    const sts = new STSClient({
      region: "us-east-1",
      endpoint: this.aws.stsEndpoint,
      maxAttempts: 1,
      credentials: {
        accessKeyId: creds.AWS_ACCESS_KEY_ID ?? "",
        secretAccessKey: creds.AWS_SECRET_ACCESS_KEY ?? "",
        ...(creds.AWS_SESSION_TOKEN ? { sessionToken: creds.AWS_SESSION_TOKEN } : {}),
      },
    });
    try {
      await sts.send(new GetCallerIdentityCommand({}));
      return true;
    } catch {
      return false;
    } finally {
      sts.destroy();
    }
  }

  async stop(): Promise<void> {
    await this.vault.stop();
    await this.aws.stop();
    await this.issuer.stop();
  }
}
