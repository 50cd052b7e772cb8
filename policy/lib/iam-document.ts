/**
 * Reading the IAM policy documents Vault's AWS roles attach to the credentials they issue.
 *
 * The program validates its own documents in `config/vault-iam-policy.ts`; the pack keeps its own
 * copy of the read-verb rule on purpose: it is published and run on its own (`pulumi policy
 * publish` ships this directory only) and must judge any program, not just ours.
 */
import { jsonObject, texts } from "./values";

/** Action verbs that do not change anything (`ec2:Describe*`, `s3:GetObject`, `iam:List*`...). */
const READ_VERBS = ["Describe", "Get", "List", "BatchGet", "Head", "View", "Search", "Lookup"];

/**
 * Actions with a read verb that hand out secrets or credentials, or data that commonly holds
 * them, so a plan (run code from any branch) must not get them. Each is named by the AWS service
 * authorization reference / API reference of its service:
 * - new credentials: sts:GetFederationToken, sts:GetSessionToken, redshift:GetClusterCredentials,
 *   redshift:GetClusterCredentialsWithIAM, redshift-serverless:GetCredentials,
 *   ecr:GetAuthorizationToken, codeartifact:GetAuthorizationToken, sso:GetRoleCredentials,
 *   lightsail:GetInstanceAccessDetails, gamelift:GetInstanceAccess;
 * - stored secrets: secretsmanager:GetSecretValue, secretsmanager:BatchGetSecretValue,
 *   ssm:GetParameter(s), ssm:GetParametersByPath, ssm:GetParameterHistory (SecureString values);
 * - passwords and instance secrets: ec2:GetPasswordData, ec2:GetConsoleOutput,
 *   ec2:GetConsoleScreenshot; user data: ec2:DescribeInstanceAttribute,
 *   ec2:DescribeLaunchTemplateVersions, ec2:GetLaunchTemplateData;
 * - function code and environment: lambda:GetFunction, lambda:GetFunctionConfiguration;
 * - data: s3:GetObject, s3:GetObjectVersion (Terraform state, keys...), dynamodb:GetItem,
 *   dynamodb:BatchGetItem.
 * A list cannot be complete; the pack and the config name it so it can grow.
 */
export const SECRET_READING_ACTIONS: readonly string[] = [
  "sts:GetFederationToken",
  "sts:GetSessionToken",
  "redshift:GetClusterCredentials",
  "redshift:GetClusterCredentialsWithIAM",
  "redshift-serverless:GetCredentials",
  "ecr:GetAuthorizationToken",
  "codeartifact:GetAuthorizationToken",
  "sso:GetRoleCredentials",
  "lightsail:GetInstanceAccessDetails",
  "gamelift:GetInstanceAccess",
  "secretsmanager:GetSecretValue",
  "secretsmanager:BatchGetSecretValue",
  "ssm:GetParameter",
  "ssm:GetParameters",
  "ssm:GetParametersByPath",
  "ssm:GetParameterHistory",
  "ec2:GetPasswordData",
  "ec2:GetConsoleOutput",
  "ec2:GetConsoleScreenshot",
  "ec2:DescribeInstanceAttribute",
  "ec2:DescribeLaunchTemplateVersions",
  "ec2:GetLaunchTemplateData",
  "lambda:GetFunction",
  "lambda:GetFunctionConfiguration",
  "s3:GetObject",
  "s3:GetObjectVersion",
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
];

/** IAM action matching: `*` any run, `?` one character, case-insensitive. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(action.toLowerCase());
}

/** Whether an action pattern has a read verb: it cannot change anything (it may still read secrets). */
export function isReadOnlyAction(action: string): boolean {
  const [service, verb] = action.split(":");
  if (service === undefined || verb === undefined || /[*?]/.test(service)) return false;
  const lower = verb.toLowerCase();
  return READ_VERBS.some((v) => lower.startsWith(v.toLowerCase()));
}

/**
 * The secret-reading actions `action` allows that none of `denied` (the patterns of the same
 * document's unconditional `Deny` on every resource) takes back.
 */
export function secretsAllowedBy(action: string, denied: readonly string[]): string[] {
  return SECRET_READING_ACTIONS.filter(
    (secret) => actionMatches(action, secret) && !denied.some((d) => actionMatches(d, secret)),
  );
}

export interface AllowStatement {
  /** 1-based position, for messages. */
  readonly index: number;
  readonly actions: readonly string[];
  /** True when the statement uses NotAction: it allows everything except the listed actions. */
  readonly notAction: boolean;
}

/** The Allow statements of a policy document, or undefined when the text is not a policy. */
export function allowStatements(document: unknown): AllowStatement[] | undefined {
  const doc = jsonObject(document);
  if (doc === undefined) return undefined;
  const raw = doc.Statement;
  const list: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const found: AllowStatement[] = [];
  for (const [i, s] of list.entries()) {
    if (s === null || typeof s !== "object") return undefined;
    const statement = s as Record<string, unknown>;
    if (statement.Effect !== "Allow") continue;
    const notAction = statement.NotAction !== undefined;
    found.push({
      index: i + 1,
      actions: texts(notAction ? statement.NotAction : statement.Action),
      notAction,
    });
  }
  return found;
}

/**
 * The actions of a document's `Deny` statements that apply to every request: `Resource: "*"`
 * and no `Condition` (a narrower Deny does not take a grant back everywhere).
 */
export function unconditionalDenies(document: unknown): string[] {
  const doc = jsonObject(document);
  const raw = doc?.Statement;
  const list: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.flatMap((s) => {
    if (s === null || typeof s !== "object") return [];
    const st = s as Record<string, unknown>;
    const everywhere = texts(st.Resource).includes("*");
    return st.Effect === "Deny" && everywhere && st.Condition === undefined && st.NotAction === undefined
      ? texts(st.Action)
      : [];
  });
}

/** Whether an action pattern matches every action of every service. */
export function isAllActions(action: string): boolean {
  return action === "*" || action === "*:*";
}
