/**
 * Checks for the IAM policy documents the Vault AWS roles attach to generated credentials:
 * structurally valid identity-policy JSON, and (for the plan phase) whether any Allow grants
 * something that looks like a write or returns secrets. Pure; each function returns problems as
 * sentences. The read-verb rule and the list of secret-returning actions are the policy pack's
 * (policy/lib/iam-document.ts), so the program and the pack judge a plan policy alike.
 */
import { isReadOnlyAction, secretsAllowedBy, unconditionalDenies } from "../policy/lib/iam-document";

export { isReadOnlyAction };

// IAM matches service prefixes and action names case-insensitively.
const ACTION = /^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$/;

interface Statement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
}

function strings(value: unknown): string[] | undefined {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string")) return value;
  return undefined;
}

function statementsOf(doc: unknown): Statement[] | undefined {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return undefined;
  const raw = (doc as { Statement?: unknown }).Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.every((s) => s !== null && typeof s === "object" && !Array.isArray(s))
    ? (list as Statement[])
    : undefined;
}

/**
 * Parses `text` as an IAM identity policy. Returns the normalised JSON text, or a problem
 * sentence when it is not one.
 */
export function parseIamPolicy(text: string): { json: string } | { problem: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { problem: "is not valid JSON" };
  }
  const statements = statementsOf(doc);
  if (statements === undefined) return { problem: "is not an IAM policy object with a Statement list" };
  const version = (doc as { Version?: unknown }).Version;
  if (version !== "2012-10-17") return { problem: 'must have "Version": "2012-10-17"' };
  if (statements.length === 0) return { problem: "has no Statement" };
  for (const [i, s] of statements.entries()) {
    const where = `Statement ${i + 1}`;
    if (s.Effect !== "Allow" && s.Effect !== "Deny")
      return { problem: `${where} needs "Effect": "Allow" or "Deny"` };
    if (s.Principal !== undefined || s.NotPrincipal !== undefined) {
      return {
        problem: `${where} has a Principal, which belongs in resource policies, not in this identity policy`,
      };
    }
    const actions = strings(s.Action) ?? strings(s.NotAction);
    if ((s.Action === undefined) === (s.NotAction === undefined) || actions === undefined) {
      return {
        problem: `${where} needs exactly one of Action or NotAction, as a string or a list of strings`,
      };
    }
    const bad = actions.find((a) => !ACTION.test(a));
    if (bad !== undefined) return { problem: `${where} has action "${bad}", which is not "service:Action"` };
    if (
      (s.Resource === undefined) === (s.NotResource === undefined) ||
      !strings(s.Resource ?? s.NotResource)
    ) {
      return {
        problem: `${where} needs exactly one of Resource or NotResource, as a string or a list of strings`,
      };
    }
  }
  return { json: JSON.stringify(doc) };
}

/**
 * The Allow grants in a (valid) policy that look like writes: any action without a read verb, any
 * wildcard service (`*`, `s3:*`) and any `NotAction` (it allows everything else).
 */
export function writeLookingGrants(json: string): string[] {
  const found: string[] = [];
  for (const s of statementsOf(JSON.parse(json)) ?? []) {
    if (s.Effect !== "Allow") continue;
    if (s.NotAction !== undefined) {
      found.push("NotAction (allows every other action)");
      continue;
    }
    for (const a of strings(s.Action) ?? []) if (!isReadOnlyAction(a)) found.push(a);
  }
  return found;
}

/**
 * The read actions a (valid) policy allows that return secrets or credentials (the pack's list,
 * policy/lib/iam-document.ts), unless the same policy denies them on every resource. A wildcard
 * such as `ec2:Describe*` counts when it covers one (`ec2:DescribeInstanceAttribute`: user data).
 */
export function secretReadingGrants(json: string): string[] {
  const doc: unknown = JSON.parse(json);
  const denied = unconditionalDenies(doc);
  const found = new Set<string>();
  for (const s of statementsOf(doc) ?? []) {
    if (s.Effect !== "Allow" || s.NotAction !== undefined) continue;
    for (const a of strings(s.Action) ?? []) {
      if (isReadOnlyAction(a)) for (const secret of secretsAllowedBy(a, denied)) found.add(secret);
    }
  }
  return [...found];
}
