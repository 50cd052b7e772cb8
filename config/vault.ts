/**
 * The Vault side's stack configuration: read once, validated without Pulumi, returned as plain
 * typed values for VaultAwsEngine and TfcJwtTrust. Every problem names the key and the fix and
 * is collected on the reader, so nothing is created from a bad stack file.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ConfigReader } from "./reader";
import type { VaultMode } from "./demo-vault";
import {
  type CredentialType,
  CREDENTIAL_TYPES,
  type Phase,
  PHASES,
  isStsType,
} from "../components/aws-credential-types";
import { parseIamPolicy, secretReadingGrants, writeLookingGrants } from "./vault-iam-policy";
import { certificatePemProblem } from "./vault-pem";
import {
  audienceProblem,
  baseUrl,
  mountPathProblem,
  namePrefixProblem,
  organizationProblem,
  projectProblem,
  workspaceProblem,
} from "./vault-names";

/** One phase's AWS secrets engine role and token lifetime, validated. */
export interface PhaseSettings {
  readonly credentialType: CredentialType;
  /** Normalised JSON text; undefined when the type takes none (`session_token`) or none is wanted. */
  readonly policyDocument?: string;
  readonly policyArns: string[];
  readonly roleArns: string[];
  readonly iamGroups: string[];
  /** IAM user path (`iam_user` only). */
  readonly userPath?: string;
  /** Permissions boundary (`iam_user` only). */
  readonly permissionsBoundaryArn?: string;
  /** Vault token TTL (and max TTL) for this phase's JWT role. */
  readonly tokenTtlSeconds: number;
  /** STS credential lifetime (STS types only). */
  readonly stsTtlSeconds?: number;
}

export interface VaultSide {
  /** The Vault address agents use (`TFC_VAULT_ADDR`); empty with vaultMode demo (DemoVault's). */
  readonly vaultAddress: string;
  readonly tfc: {
    /** HCP Terraform / TFE base address without trailing slash (the token issuer). */
    readonly address: string;
    readonly discoveryCaPem?: string;
    readonly organization: string;
    readonly project: string;
    readonly workspace: string;
  };
  readonly trust: { readonly authPath: string; readonly audience: string };
  readonly engine: {
    readonly mountPath: string;
    readonly roleNamePrefix: string;
    readonly region: string;
    readonly iamEndpoint?: string;
    readonly stsEndpoint?: string;
    /** Root keys, secret; absent = Vault's ambient AWS credentials (or a managed identity). */
    readonly rootKeys?: {
      readonly accessKey: pulumi.Output<string>;
      readonly secretKey: pulumi.Output<string>;
    };
    readonly rotateRootKey: boolean;
    readonly manageEngineIdentity: boolean;
    readonly defaultLeaseTtlSeconds: number;
    readonly maxLeaseTtlSeconds: number;
  };
  readonly phases: Readonly<Record<Phase, PhaseSettings>>;
}

/**
 * Read-only by default: describe, get and list style actions, and who-am-I; minus what those
 * wildcards would let a plan read that holds secrets (instance user data, launch template data).
 * Terraform refreshes an `aws_instance`'s user data with ec2:DescribeInstanceAttribute, so a
 * workspace that manages instances needs its own plan policy (docs/vault-side.md).
 */
export const DEFAULT_PLAN_POLICY = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ReadOnly",
      Effect: "Allow",
      Action: [
        "ec2:Describe*",
        "iam:Get*",
        "iam:List*",
        "s3:GetBucket*",
        "s3:ListAllMyBuckets",
        "s3:ListBucket",
        "sts:GetCallerIdentity",
      ],
      Resource: "*",
    },
    {
      Sid: "NoSecrets",
      Effect: "Deny",
      Action: ["ec2:DescribeInstanceAttribute", "ec2:DescribeLaunchTemplateVersions"],
      Resource: "*",
    },
  ],
};

/** Read/write for the demo's resources; replace it with what your workspace manages. */
export const DEFAULT_APPLY_POLICY = {
  Version: "2012-10-17",
  Statement: [
    { Sid: "ReadWrite", Effect: "Allow", Action: ["ec2:*", "s3:*"], Resource: "*" },
    {
      Sid: "ReadIam",
      Effect: "Allow",
      Action: ["iam:Get*", "iam:List*", "sts:GetCallerIdentity"],
      Resource: "*",
    },
  ],
};

const DEFAULT_POLICY: Record<Phase, object> = { plan: DEFAULT_PLAN_POLICY, apply: DEFAULT_APPLY_POLICY };
const DEFAULT_TOKEN_TTL: Record<Phase, number> = { plan: 1800, apply: 3600 };
const DEFAULT_STS_TTL: Record<Phase, number> = { plan: 900, apply: 3600 };
/**
 * HCP Terraform's default plan and apply timeouts; the run's JWT expires at the end of its phase's
 * timeout (docs/upstream-behaviour.md#workload-identity-tokens).
 */
export const DEFAULT_PHASE_TIMEOUT: Record<Phase, number> = { plan: 7200, apply: 86400 };

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/;
const USER_PATH = /^\/([\w+=,.@-]+\/)*$/;

/** Reads a URL key; returns the normalised URL or a placeholder after recording the problem. */
function urlKey(r: ConfigReader, key: string, value: string, allowHttp: boolean, example: string): string {
  const parsed = baseUrl(value, allowHttp);
  if ("url" in parsed) return parsed.url;
  const httpHint = parsed.problem.startsWith("uses http")
    ? ` (for a local dev server only: pulumi config set ${r.fullKey("allowInsecureHttp")} true)`
    : "";
  r.fail(key, parsed.problem, `pulumi config set ${r.fullKey(key)} ${example}${httpHint}`);
  return value;
}

function nameKey(
  r: ConfigReader,
  key: string,
  value: string,
  problem: (v: string) => string | undefined,
  example: string,
): string {
  // An unset required name is already reported by requiredString.
  const p = value === "" ? undefined : problem(value);
  if (p !== undefined)
    r.fail(
      key,
      `"${value}" ${p}`,
      `pulumi config set ${r.fullKey(key)} ${example} (the name exactly as HCP Terraform shows it)`,
    );
  return value;
}

function arnList(r: ConfigReader, key: string, pattern: RegExp, example: string): string[] {
  const list = r.stringList(key, []);
  const bad = list.find((a) => !pattern.test(a));
  if (bad !== undefined) {
    r.fail(key, `"${bad}" is not an ARN like ${example}`, `edit ${r.fullKey(key)} in Pulumi.<stack>.yaml`);
  }
  return list;
}

/** The fields of one phase's settings, as suffixes of the stack keys (`plan` + `PolicyArns`). */
export type PhaseField =
  | "CredentialType"
  | "PolicyDocument"
  | "PolicyArns"
  | "RoleArns"
  | "IamGroups"
  | "UserPath"
  | "PermissionsBoundaryArn"
  | "TokenTtlSeconds"
  | "StsTtlSeconds";

/** How readPhase names and defaults a phase's keys; the stack's own keys by default. */
export interface PhaseReadOptions {
  /** The key a field is read from and reported under (default `<phase><Field>`). */
  readonly key?: (field: PhaseField) => string;
  /** The policy document used when none is set; undefined = none (default: the built-in one). */
  readonly defaultDocument?: object | undefined;
}

/**
 * Reads and validates one phase's settings. The stack's `plan*`/`apply*` keys use it, and so
 * does every onboarded workspace's `plan`/`apply` block (config/workspaces.ts), through a
 * reader whose keys are paths like `workspaces[2].plan.policyArns`.
 */
export function readPhase(
  r: ConfigReader,
  phase: Phase,
  leaseTtl: number,
  maxLeaseTtl: number,
  allowPlanWrites: boolean,
  options: PhaseReadOptions = {},
): PhaseSettings {
  const k = options.key ?? ((suffix: PhaseField) => `${phase}${suffix}`);
  const defaultDocument = "defaultDocument" in options ? options.defaultDocument : DEFAULT_POLICY[phase];
  const type = r.oneOf(k("CredentialType"), CREDENTIAL_TYPES, "iam_user");
  const policyArns = arnList(r, k("PolicyArns"), POLICY_ARN, "arn:aws:iam::aws:policy/ReadOnlyAccess");
  const roleArns = arnList(r, k("RoleArns"), ROLE_ARN, "arn:aws:iam::123456789012:role/tfc-plan");
  const iamGroups = r.stringList(k("IamGroups"), []);
  const userPathRaw = r.optionalString(k("UserPath"));
  const boundary = r.optionalString(k("PermissionsBoundaryArn"));
  const tokenTtl = r.integer(k("TokenTtlSeconds"), DEFAULT_TOKEN_TTL[phase], { min: 60, max: 86400 });
  // Read for every type (Pulumi.yaml gives it a default); only STS types use it.
  const stsTtl = r.integer(k("StsTtlSeconds"), DEFAULT_STS_TTL[phase], { min: 900, max: 43200 });

  // Policy document: the type decides whether one may be sent at all.
  let policyDocument: string | undefined;
  const rawDoc = r.optionalString(k("PolicyDocument"));
  if (type === "session_token") {
    // session_token credentials carry the engine identity's own permissions; Vault takes no policy.
    if (rawDoc !== undefined || policyArns.length > 0 || iamGroups.length > 0) {
      r.fail(
        k("CredentialType"),
        "is session_token, which takes no policy document, policy ARNs or IAM groups (the credentials carry the engine identity's own permissions)",
        `remove ${r.fullKey(k("PolicyDocument"))}/${r.fullKey(k("PolicyArns"))}/${r.fullKey(k("IamGroups"))}, or pulumi config set ${r.fullKey(k("CredentialType"))} iam_user`,
      );
    }
    if (phase === "plan" && !allowPlanWrites) {
      r.fail(
        k("CredentialType"),
        "is session_token, whose credentials can do everything the engine identity can, so the plan phase would not be read-only",
        `pulumi config set ${r.fullKey(k("CredentialType"))} iam_user (or, deliberately, pulumi config set ${r.fullKey("allowPlanWrites")} true)`,
      );
    }
  } else {
    const docText = rawDoc ?? (defaultDocument === undefined ? undefined : JSON.stringify(defaultDocument));
    const parsed = docText === undefined ? undefined : parseIamPolicy(docText);
    if (parsed === undefined) {
      // No document: the role's permissions come from its policy ARNs, groups or roles alone.
    } else if ("problem" in parsed) {
      r.fail(
        k("PolicyDocument"),
        `${parsed.problem}`,
        `edit ${r.fullKey(k("PolicyDocument"))} in Pulumi.<stack>.yaml to a JSON IAM policy ({"Version":"2012-10-17","Statement":[...]})`,
      );
    } else {
      policyDocument = parsed.json;
      const writes = phase === "plan" && !allowPlanWrites ? writeLookingGrants(parsed.json) : [];
      if (writes.length > 0) {
        r.fail(
          k("PolicyDocument"),
          `allows write-looking actions in the plan phase (${writes.join(", ")}); plan credentials should only read`,
          `limit ${r.fullKey(k("PolicyDocument"))} to Describe*/Get*/List* actions, or, deliberately, pulumi config set ${r.fullKey("allowPlanWrites")} true`,
        );
      }
      const secrets = phase === "plan" && !allowPlanWrites ? secretReadingGrants(parsed.json) : [];
      if (secrets.length > 0) {
        r.fail(
          k("PolicyDocument"),
          `allows actions that return secrets or credentials in the plan phase (${secrets.join(", ")}); plan runs code from any branch`,
          `remove them from ${r.fullKey(k("PolicyDocument"))}, or add a statement {"Effect":"Deny","Action":[${secrets.map((a) => `"${a}"`).join(",")}],"Resource":"*"}, or, deliberately, pulumi config set ${r.fullKey("allowPlanWrites")} true`,
        );
      }
    }
  }

  if (type === "assumed_role" && roleArns.length === 0) {
    r.fail(
      k("RoleArns"),
      "is empty, but the assumed_role credential type needs the role(s) to assume",
      `set ${r.fullKey(k("RoleArns"))} to a YAML list of role ARNs in Pulumi.<stack>.yaml`,
    );
  }
  if (type !== "assumed_role" && roleArns.length > 0) {
    r.fail(
      k("RoleArns"),
      `is set, but role ARNs apply only to assumed_role (this phase is ${type})`,
      `remove ${r.fullKey(k("RoleArns"))}, or pulumi config set ${r.fullKey(k("CredentialType"))} assumed_role`,
    );
  }
  if (type !== "iam_user" && (userPathRaw !== undefined || boundary !== undefined)) {
    r.fail(
      k(userPathRaw !== undefined ? "UserPath" : "PermissionsBoundaryArn"),
      `applies only to iam_user (this phase is ${type})`,
      `remove it, or pulumi config set ${r.fullKey(k("CredentialType"))} iam_user`,
    );
  }
  if (userPathRaw !== undefined && !USER_PATH.test(userPathRaw)) {
    r.fail(
      k("UserPath"),
      `"${userPathRaw}" is not an IAM path (it starts and ends with /)`,
      `pulumi config set ${r.fullKey(k("UserPath"))} /tfc/`,
    );
  }
  if (boundary !== undefined && !POLICY_ARN.test(boundary)) {
    r.fail(
      k("PermissionsBoundaryArn"),
      `"${boundary}" is not a policy ARN`,
      `pulumi config set ${r.fullKey(k("PermissionsBoundaryArn"))} arn:aws:iam::123456789012:policy/tfc-boundary`,
    );
  }
  if (isStsType(type) && stsTtl > maxLeaseTtl) {
    r.fail(
      k("StsTtlSeconds"),
      `(${stsTtl}) is longer than maxLeaseTtlSeconds (${maxLeaseTtl}); a default must not exceed the maximum`,
      `lower ${r.fullKey(k("StsTtlSeconds"))} or raise ${r.fullKey("maxLeaseTtlSeconds")}`,
    );
  }
  const timeoutKey = `tfc${phase === "plan" ? "Plan" : "Apply"}TimeoutSeconds`;
  const phaseTimeout = r.integer(timeoutKey, DEFAULT_PHASE_TIMEOUT[phase], { min: 300, max: 604800 });
  if (tokenTtl > phaseTimeout) {
    // The token is the last thing a replayed JWT buys: it must not outlive the phase it was for.
    r.fail(
      k("TokenTtlSeconds"),
      `(${tokenTtl}) is longer than the ${phase} phase timeout ${timeoutKey} (${phaseTimeout}), so a token minted near the end of a phase (or with a replayed JWT) would outlive it`,
      `lower ${r.fullKey(k("TokenTtlSeconds"))} to at most ${phaseTimeout}, or set ${r.fullKey(timeoutKey)} to your organization's ${phase} timeout`,
    );
  }
  if (tokenTtl < leaseTtl) {
    // Leases die with their token: a shorter token would cut the credentials off mid-phase.
    r.fail(
      k("TokenTtlSeconds"),
      `(${tokenTtl}) is shorter than leaseTtlSeconds (${leaseTtl}), so Vault would revoke the credentials before their lease ends`,
      `raise ${r.fullKey(k("TokenTtlSeconds"))} to at least ${leaseTtl}, or lower ${r.fullKey("leaseTtlSeconds")}`,
    );
  }

  return {
    credentialType: type,
    ...(policyDocument !== undefined ? { policyDocument } : {}),
    policyArns,
    roleArns,
    iamGroups,
    ...(type === "iam_user" ? { userPath: userPathRaw ?? "/" } : {}),
    ...(type === "iam_user" && boundary !== undefined ? { permissionsBoundaryArn: boundary } : {}),
    tokenTtlSeconds: tokenTtl,
    ...(isStsType(type) ? { stsTtlSeconds: stsTtl } : {}),
  };
}

/**
 * With manageEngineIdentity, the engine's own IAM user makes the run credentials: what each
 * phase may be given is narrower (a user path of its own, a permissions boundary, no
 * identity-inheriting types). `key` names a phase field as the caller reads it.
 */
export function checkManagedIdentityPhases(
  r: ConfigReader,
  phases: Readonly<Record<Phase, PhaseSettings>>,
  key: (phase: Phase, field: PhaseField) => string = (phase, field) => `${phase}${field}`,
): void {
  for (const p of PHASES) {
    const type = phases[p].credentialType;
    if (type === "iam_user" && phases[p].userPath === "/") {
      // The managed identity may change every user named vault-* under this path: at / that
      // includes users nobody created for runs (a Vault server's own `vault-...` user, say).
      r.fail(
        key(p, "UserPath"),
        `is /, but with manageEngineIdentity the engine may change (and make keys for) every IAM user named vault-* under it, including users that are not run credentials`,
        `pulumi config set ${r.fullKey(key(p, "UserPath"))} /tfc-jit-aws-runs/ (a path only Vault's generated users use)`,
      );
    }
    if (type === "iam_user" && phases[p].permissionsBoundaryArn === undefined) {
      // The engine identity may create users and put policies on them; only a boundary it
      // cannot change caps what those users (or a compromised Vault) can do.
      r.fail(
        key(p, "PermissionsBoundaryArn"),
        "is not set, but with manageEngineIdentity the engine's own IAM user creates the iam_user credentials, and without a permissions boundary nothing caps what it can give them",
        `pulumi config set ${r.fullKey(key(p, "PermissionsBoundaryArn"))} arn:aws:iam::<account>:policy/<boundary> (a managed policy that caps run credentials), or pulumi config set ${r.fullKey("manageEngineIdentity")} false`,
      );
    }
    if (type === "federation_token" || type === "session_token") {
      r.fail(
        key(p, "CredentialType"),
        `is ${type}, whose credentials inherit the engine identity's own permissions, which a Pulumi-managed least-privilege identity does not have`,
        `pulumi config set ${r.fullKey(key(p, "CredentialType"))} iam_user (or assumed_role), or pulumi config set ${r.fullKey("manageEngineIdentity")} false`,
      );
    }
  }
}

/**
 * Reads and validates every Vault-side key. Problems are recorded on `r`; call
 * `r.throwIfInvalid()` after all reads (this function does not throw by itself).
 */
export function readVaultSide(r: ConfigReader, mode: VaultMode = "external"): VaultSide {
  const allowHttp = r.boolean("allowInsecureHttp", false);
  // A demo Vault's address comes from the DemoVault component; stack.ts puts it in the contract.
  const vaultAddress =
    mode === "demo"
      ? ""
      : urlKey(
          r,
          "vaultAddress",
          r.requiredString("vaultAddress", "https://vault.example.com:8200") ||
            "https://vault.example.com:8200",
          allowHttp,
          "https://vault.example.com:8200",
        );
  const tfcAddress = urlKey(
    r,
    "tfcAddress",
    r.string("tfcAddress", "https://app.terraform.io"),
    allowHttp,
    "https://app.terraform.io",
  );
  if (/^https?:\/\/[^/]+\/./.test(tfcAddress)) {
    r.fail(
      "tfcAddress",
      "has a path, but the token issuer is the bare host address",
      `pulumi config set ${r.fullKey("tfcAddress")} https://<your TFE host>`,
    );
  }
  const discoveryCaPem = r.optionalString("tfcDiscoveryCaPem");
  const discoveryCaProblem = discoveryCaPem === undefined ? undefined : certificatePemProblem(discoveryCaPem);
  if (discoveryCaProblem !== undefined) {
    r.fail(
      "tfcDiscoveryCaPem",
      discoveryCaProblem,
      `pulumi config set ${r.fullKey("tfcDiscoveryCaPem")} -- "$(cat ca.pem)" (the CA certificate only)`,
    );
  }
  const organization = nameKey(
    r,
    "tfcOrganization",
    r.requiredString("tfcOrganization", "my-org"),
    organizationProblem,
    "my-org",
  );
  const project = nameKey(
    r,
    "tfcProject",
    r.string("tfcProject", "Default Project"),
    projectProblem,
    '"Default Project"',
  );
  const workspace = nameKey(
    r,
    "tfcWorkspace",
    r.requiredString("tfcWorkspace", "my-workspace"),
    workspaceProblem,
    "my-workspace",
  );
  const audience = r.requiredString("jwtAudience", "vault.workload.identity");
  const badAudience = audience === "" ? undefined : audienceProblem(audience);
  if (badAudience !== undefined)
    r.fail(
      "jwtAudience",
      `"${audience}" ${badAudience}`,
      `pulumi config set ${r.fullKey("jwtAudience")} vault.workload.identity (and the same value as the workspace's TFC_WORKLOAD_IDENTITY_AUDIENCE)`,
    );
  const authPath = r.string("jwtAuthPath", "jwt-tfc");
  const mountPath = r.string("awsMountPath", "aws");
  for (const [key, value] of [
    ["jwtAuthPath", authPath],
    ["awsMountPath", mountPath],
  ] as const) {
    const p = mountPathProblem(value);
    if (p !== undefined)
      r.fail(
        key,
        `"${value}" ${p}`,
        `pulumi config set ${r.fullKey(key)} ${key === "jwtAuthPath" ? "jwt-tfc" : "aws"}`,
      );
  }
  const roleNamePrefix = r.string("vaultRoleNamePrefix", "tfc");
  const prefixProblem = namePrefixProblem(roleNamePrefix);
  if (prefixProblem !== undefined)
    r.fail(
      "vaultRoleNamePrefix",
      `"${roleNamePrefix}" ${prefixProblem}`,
      `pulumi config set ${r.fullKey("vaultRoleNamePrefix")} tfc`,
    );

  const region = r.string("awsRegion", "us-east-1");
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region))
    r.fail(
      "awsRegion",
      `"${region}" is not an AWS region name`,
      `pulumi config set ${r.fullKey("awsRegion")} us-east-1`,
    );
  const endpoint = (key: string, example: string) => {
    const v = r.optionalString(key);
    return v === undefined ? undefined : urlKey(r, key, v, allowHttp, example);
  };
  const iamEndpoint = endpoint("awsIamEndpoint", "https://iam.amazonaws.com");
  const stsEndpoint = endpoint("awsStsEndpoint", "https://sts.us-east-1.amazonaws.com");

  const accessKey = r.optionalSecret("awsRootAccessKey");
  const secretKey = r.optionalSecret("awsRootSecretKey");
  if ((accessKey === undefined) !== (secretKey === undefined)) {
    const missing = accessKey === undefined ? "awsRootAccessKey" : "awsRootSecretKey";
    r.fail(
      missing,
      "is not set, but the root key needs both its id and its secret",
      `pulumi config set --secret ${r.fullKey(missing)} <value>, or remove the other one to use Vault's ambient AWS credentials`,
    );
  }
  const rootKeys = accessKey && secretKey ? { accessKey, secretKey } : undefined;
  const rotateRootKey = r.boolean("rotateRootKey", false);
  const manageEngineIdentity = r.boolean("manageEngineIdentity", false);
  if (rotateRootKey && rootKeys === undefined) {
    r.fail(
      "rotateRootKey",
      "is true, but there is no root key to rotate (Vault's ambient or a Pulumi-managed identity cannot be rotated by Vault)",
      `set ${r.fullKey("awsRootAccessKey")} and ${r.fullKey("awsRootSecretKey")} as secrets, or pulumi config set ${r.fullKey("rotateRootKey")} false`,
    );
  }
  if (manageEngineIdentity && rootKeys !== undefined) {
    r.fail(
      "manageEngineIdentity",
      "is true, but root keys are also set; the engine can use only one identity",
      `remove ${r.fullKey("awsRootAccessKey")} and ${r.fullKey("awsRootSecretKey")}, or pulumi config set ${r.fullKey("manageEngineIdentity")} false`,
    );
  }

  // Short: the hooks' keeper renews it while the phase lives, so an interrupted phase leaves keys
  // that die within one TTL; maxLeaseTtlSeconds bounds the whole phase (docs/hooks.md, "The keeper").
  const leaseTtl = r.integer("leaseTtlSeconds", 300, { min: 60, max: 604800 });
  const maxLeaseTtl = r.integer("maxLeaseTtlSeconds", 3600, { min: 60, max: 604800 });
  if (leaseTtl > maxLeaseTtl) {
    r.fail(
      "leaseTtlSeconds",
      `(${leaseTtl}) is longer than maxLeaseTtlSeconds (${maxLeaseTtl}); a default must not exceed the maximum`,
      `lower ${r.fullKey("leaseTtlSeconds")} or raise ${r.fullKey("maxLeaseTtlSeconds")}`,
    );
  }
  const allowPlanWrites = r.boolean("allowPlanWrites", false);
  const phases = Object.fromEntries(
    PHASES.map((p) => [p, readPhase(r, p, leaseTtl, maxLeaseTtl, allowPlanWrites)]),
  ) as Record<Phase, PhaseSettings>;

  if (manageEngineIdentity) checkManagedIdentityPhases(r, phases);

  return {
    vaultAddress,
    tfc: {
      address: tfcAddress,
      ...(discoveryCaPem ? { discoveryCaPem } : {}),
      organization,
      project,
      workspace,
    },
    trust: { authPath, audience },
    engine: {
      mountPath,
      roleNamePrefix,
      region,
      ...(iamEndpoint ? { iamEndpoint } : {}),
      ...(stsEndpoint ? { stsEndpoint } : {}),
      ...(rootKeys ? { rootKeys } : {}),
      rotateRootKey,
      manageEngineIdentity,
      defaultLeaseTtlSeconds: leaseTtl,
      maxLeaseTtlSeconds: maxLeaseTtl,
    },
    phases,
  };
}
