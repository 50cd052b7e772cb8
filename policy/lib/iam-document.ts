/**
 * Reading the IAM policy documents Vault's AWS roles attach to the credentials they issue.
 *
 * The program validates its own documents in `config/vault-iam-policy.ts`; the pack keeps its own
 * copy of the read-verb rule on purpose: it is published and run on its own (`pulumi policy
 * publish` ships this directory only) and must judge any program, not just ours.
 */
import { jsonObject, texts } from "./values";

/** Action verbs that can only read (`ec2:Describe*`, `s3:GetObject`, `iam:List*`...). */
const READ_VERBS = ["Describe", "Get", "List", "BatchGet", "Head", "View", "Search", "Lookup"];

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

/** Whether an action can only read. Wildcard services (`*`, `s3:*`) cannot be proven read-only. */
export function isReadOnlyAction(action: string): boolean {
  const verb = action.split(":")[1];
  return verb !== undefined && READ_VERBS.some((v) => verb.startsWith(v));
}

/** Whether an action pattern matches every action of every service. */
export function isAllActions(action: string): boolean {
  return action === "*" || action === "*:*";
}
