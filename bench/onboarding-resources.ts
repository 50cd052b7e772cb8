/**
 * Resources registered per onboarded workspace: the dev program (stack.ts with the dev stack's
 * configuration) under Pulumi's mocks with 0, 1, 10 and 50 workspace entries. For each size it
 * prints the resources by kind, the growth per entry over the demo-only stack, the HCP Terraform
 * API calls a first `up` makes for the onboarding resources (from the providers' documented call
 * counts: agent mode 1, variable 1, variable set 1, set variable 1, attachment 1; the ONE
 * allow-list 2 whatever the number of workspaces), and the time the program takes to register
 * everything under mocks (no provider code runs).
 *
 * Per workspace entry: agent mode + its 5 own hook variables + 1 attachment of the shared set;
 * the shared set and its 4 variables are paid once, by the first entry, whatever the count.
 * Then the same with two tagged AWS configurations per entry (`awsConfigurations`, one
 * assumed_role and one iam_user): what each tag adds per workspace, in resources and API calls.
 *
 *   node --require ts-node/register/transpile-only bench/onboarding-resources.ts
 */
import { installMocks, recorder, settled } from "../tests/support/pulumi-mocks";
import { registerAgentMocks } from "../tests/agent/fixtures";
import { readStackConfig } from "../config";
import { createStack } from "../stack";
import { ROOT, devSource } from "../tests/program/dev-stack";

const SIZES = [0, 1, 10, 50];
const TFC = "pulumi-nodejs:dynamic/tfc:";
/** Create calls per HCP Terraform kind (providers/tfc; bench/tfc-api-calls.ts measures them). */
const CREATE_CALLS: Record<string, number> = {
  AgentPoolAllowedWorkspaces: 2,
  WorkspaceExecution: 1,
  Variable: 1,
  VariableSet: 1,
  VariableSetVariable: 1,
  VariableSetAttachment: 1,
};

/** Two tagged configurations: LOGS assumes roles in another account, NETWORK gets iam_user keys. */
const TWO_TAGS = [
  {
    tag: "LOGS",
    credentialType: "assumed_role",
    plan: { roleArns: ["arn:aws:iam::210987654321:role/log-read"] },
    apply: { roleArns: ["arn:aws:iam::210987654321:role/log-write"] },
  },
  { tag: "NETWORK", apply: { policyArns: ["arn:aws:iam::123456789012:policy/network-admin"] } },
];

function entries(n: number, tagged = false): object[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `app-${i}`,
    id: `ws-App${i}`,
    project: "Platform Team",
    apply: { policyArns: [`arn:aws:iam::123456789012:policy/app-${i}`] },
    ...(tagged ? { awsConfigurations: TWO_TAGS } : {}),
  }));
}

interface Count {
  total: number;
  byKind: Map<string, number>;
  ms: number;
}

async function build(n: number, tagged = false): Promise<Count> {
  recorder.reset();
  registerAgentMocks();
  const started = performance.now();
  createStack(readStackConfig(devSource({ workspaces: entries(n, tagged) })), { contextDir: ROOT });
  await settled();
  // Settle until registrations stop arriving (50 entries take more turns than 1).
  for (let last = -1; last !== recorder.resources.length;) {
    last = recorder.resources.length;
    await settled();
  }
  const ms = performance.now() - started;
  const byKind = new Map<string, number>();
  for (const r of recorder.resources) {
    const kind = r.type.split(":").pop() ?? r.type;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  return { total: recorder.resources.length, byKind, ms };
}

function tfcCreateCalls(c: Count): number {
  return Object.entries(CREATE_CALLS).reduce(
    (sum, [kind, calls]) => sum + (c.byKind.get(kind) ?? 0) * calls,
    0,
  );
}

async function main(): Promise<void> {
  await installMocks();
  const base = await build(0);
  console.log(
    "entries | resources | per entry (over demo only) | TFC create calls (allow-list, agent mode, variables, variable sets) | per entry | register time (mocks)",
  );
  for (const n of SIZES) {
    const c = n === 0 ? base : await build(n);
    const perEntry = n === 0 ? "-" : ((c.total - base.total) / n).toFixed(1);
    const calls = tfcCreateCalls(c);
    const callsPerEntry = n === 0 ? "-" : ((calls - tfcCreateCalls(base)) / n).toFixed(1);
    console.log(
      `${String(n).padStart(7)} | ${String(c.total).padStart(9)} | ${perEntry.padStart(26)} | ${String(calls).padStart(27)} | ${callsPerEntry.padStart(9)} | ${c.ms.toFixed(0)} ms`,
    );
  }
  const one = await build(1);
  const added = [...one.byKind].flatMap(([kind, count]) => {
    const extra = count - (base.byKind.get(kind) ?? 0);
    return extra > 0 ? [`${kind} ${extra}`] : [];
  });
  console.log(`one entry adds: ${added.join(", ")}`);
  console.log(
    `the pool's allow-list: ${one.byKind.get("AgentPoolAllowedWorkspaces") ?? 0} resource whatever the number of entries (${TFC}AgentPoolAllowedWorkspaces)`,
  );
  const fifty = await build(50);
  console.log(
    `variable sets with 50 entries: ${fifty.byKind.get("VariableSet") ?? 0} (the shared one), ${fifty.byKind.get("VariableSetVariable") ?? 0} set variables, ${fifty.byKind.get("VariableSetAttachment") ?? 0} attachments (one per entry)`,
  );
  const ten = await build(10);
  const tenTagged = await build(10, true);
  const perEntry = (c: Count) => ((c.total - base.total) / 10).toFixed(1);
  const callsPerEntry = (c: Count) => ((tfcCreateCalls(c) - tfcCreateCalls(base)) / 10).toFixed(1);
  console.log(
    `10 entries with 2 tags each (assumed_role + iam_user): ${tenTagged.total} resources, ${perEntry(tenTagged)} per entry (${perEntry(ten)} without tags); TFC create calls ${callsPerEntry(tenTagged)} per entry (${callsPerEntry(ten)} without tags); ${tenTagged.ms.toFixed(0)} ms`,
  );
  const tagAdds = [...tenTagged.byKind].flatMap(([kind, count]) => {
    const extra = (count - (ten.byKind.get(kind) ?? 0)) / 10;
    return extra > 0 ? [`${kind} ${extra}`] : [];
  });
  console.log(`two tags add per entry: ${tagAdds.join(", ")}`);
}

void main();
