/**
 * The consumer stack's configuration, read once and validated without Pulumi: every problem
 * names the key and the fix, and all are reported together before anything is registered.
 */
import { type ConfigSource, ConfigReader } from "../config/reader";

export const CONSUMER_NAMESPACE = "tfc-jit-aws-consumer";

/** `creds` reads `<mount>/creds/<role>`; `sts` reads `<mount>/sts/<role>` (STS types only). */
export const CREDENTIAL_ENDPOINTS = ["creds", "sts"] as const;
export type CredentialEndpoint = (typeof CREDENTIAL_ENDPOINTS)[number];

export interface ConsumerSettings {
  /** Fully qualified producer stack, `<org>/<project>/<stack>`. */
  readonly producerStack: string;
  /** Producer output holding the AWS secrets engine mount path (`output` or `output.key`). */
  readonly mountPathOutput: string;
  /** Producer output holding the AWS secrets engine role the consumer reads (`output.key`). */
  readonly roleNameOutput: string;
  readonly credentialType: CredentialEndpoint;
  /** Role to assume when the Vault role lists several (`assumed_role`). */
  readonly roleArn?: string;
  /** STS credential lifetime, a Vault duration (`15m`, `900s`); `sts` only. */
  readonly stsTtl?: string;
  readonly awsRegion: string;
  /** Prefix of the IAM group and user names; a random suffix keeps them unique. */
  readonly namePrefix: string;
}

const STACK = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
// A stack output, optionally followed by keys into an object output: `vaultAwsRoles.apply`.
const OUTPUT_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const DURATION = /^\d+[smh]?$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
// IAM user names allow 64 characters; the longest name is `<prefix>-user-<6-char suffix>`.
const NAME_PREFIX = /^[A-Za-z0-9+=,.@_-]{1,50}$/;

export function readConsumerSettings(source: ConfigSource): ConsumerSettings {
  const r = new ConfigReader(source, CONSUMER_NAMESPACE);
  const producerStack = r.requiredString("producerStack", "acme/tfc-jit-aws/dev");
  if (producerStack !== "" && !STACK.test(producerStack)) {
    r.fail(
      "producerStack",
      `"${producerStack}" is not a fully qualified stack name`,
      `pulumi config set ${r.fullKey("producerStack")} <org>/tfc-jit-aws/<stack>`,
    );
  }
  const outputKey = (key: string, fallback: string): string => {
    const value = r.string(key, fallback);
    if (!OUTPUT_PATH.test(value)) {
      r.fail(
        key,
        `"${value}" is not a stack output (name, or name.key for an object output)`,
        `pulumi config set ${r.fullKey(key)} ${fallback}`,
      );
    }
    return value;
  };
  const mountPathOutput = outputKey("mountPathOutput", "vaultAwsMountPath");
  const roleNameOutput = outputKey("roleNameOutput", "vaultAwsRoles.apply");
  const credentialType = r.oneOf("credentialType", CREDENTIAL_ENDPOINTS, "creds");
  const roleArn = r.optionalString("roleArn");
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn)) {
    r.fail(
      "roleArn",
      `"${roleArn}" is not an IAM role ARN`,
      `pulumi config set ${r.fullKey("roleArn")} arn:aws:iam::123456789012:role/<name>`,
    );
  }
  const stsTtl = r.optionalString("stsTtl");
  if (stsTtl !== undefined) {
    if (credentialType !== "sts") {
      r.fail(
        "stsTtl",
        'applies only to credentialType "sts" (creds leases follow the engine\'s lease TTL)',
        `remove it (pulumi config rm ${r.fullKey("stsTtl")}) or set ${r.fullKey("credentialType")} to sts`,
      );
    } else if (!DURATION.test(stsTtl)) {
      r.fail("stsTtl", `"${stsTtl}" is not a duration`, `pulumi config set ${r.fullKey("stsTtl")} 15m`);
    }
  }
  const awsRegion = r.string("awsRegion", "us-east-1");
  if (!REGION.test(awsRegion)) {
    r.fail(
      "awsRegion",
      `"${awsRegion}" is not an AWS region`,
      `pulumi config set ${r.fullKey("awsRegion")} us-east-1`,
    );
  }
  const namePrefix = r.string("namePrefix", "tfc-jit-consumer");
  if (!NAME_PREFIX.test(namePrefix)) {
    r.fail(
      "namePrefix",
      `"${namePrefix}" is not usable in IAM names (1-50 of letters, digits and +=,.@_-)`,
      `pulumi config set ${r.fullKey("namePrefix")} tfc-jit-consumer`,
    );
  }
  r.throwIfInvalid();
  return {
    producerStack,
    mountPathOutput,
    roleNameOutput,
    credentialType,
    ...(roleArn !== undefined ? { roleArn } : {}),
    ...(stsTtl !== undefined ? { stsTtl } : {}),
    awsRegion,
    namePrefix,
  };
}
