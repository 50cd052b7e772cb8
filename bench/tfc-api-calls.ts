/**
 * HCP Terraform API calls per lifecycle scenario, counted from the API double's request log while
 * the providers run under Pulumi's own dynamic-provider host (the same path as `pulumi up`).
 * Stack, as the program builds it: one agent pool (not organization-scoped) + one agent token +
 * one workspace (remote) + the pool's allow-list for it + agent mode on it + 12 variables.
 * The allow-list costs two calls to create and to delete (GET, then PATCH the whole list): the
 * API has no add/remove endpoint and the resource must keep workspaces others allowed.
 *
 *   node --require ts-node/register/transpile-only bench/tfc-api-calls.ts
 */
import { agentPoolProvider } from "../providers/tfc/agent-pool";
import { agentPoolAllowedWorkspacesProvider } from "../providers/tfc/agent-pool-allowed-workspaces";
import { agentTokenProvider } from "../providers/tfc/agent-token";
import { variableProvider } from "../providers/tfc/variable";
import { workspaceProvider } from "../providers/tfc/workspace";
import { workspaceExecutionProvider } from "../providers/tfc/workspace-execution";
import {
  DynamicProviderHost,
  PROVIDER_KEY,
  rpcSecret,
  serializeProvider,
  type Props,
} from "../tests/support/dynamic-provider-host";
import { startTfcApiDouble, type TfcApiDouble } from "../tests/support/tfc-api-double";

const VARIABLES = 12;
/** Calls per kind to create (and to delete): one each, the allow-list two (GET + PATCH). */
const CREATE_CALLS = { pool: 1, token: 1, workspace: 1, access: 2, execution: 1, variable: 1 };

interface Row {
  scenario: string;
  calls: number;
  minimum: number;
  byMethod: string;
  ms: number;
}

interface Managed {
  kind: string;
  id: string;
  inputs: Props;
  state: Props;
}

async function measure(
  double: TfcApiDouble,
  scenario: string,
  minimum: number,
  run: () => Promise<void>,
): Promise<Row> {
  double.log.length = 0;
  const started = performance.now();
  await run();
  const ms = Math.round(performance.now() - started);
  const counts = new Map<string, number>();
  for (const r of double.log) counts.set(r.method, (counts.get(r.method) ?? 0) + 1);
  const byMethod = [...counts].map(([m, n]) => `${m} ${n}`).join(", ") || "-";
  return { scenario, calls: double.log.length, minimum, byMethod, ms };
}

async function main(): Promise<void> {
  const double = await startTfcApiDouble();
  const providers: Record<string, string> = {
    pool: (await serializeProvider(agentPoolProvider)).text,
    token: (await serializeProvider(agentTokenProvider)).text,
    workspace: (await serializeProvider(workspaceProvider)).text,
    variable: (await serializeProvider(variableProvider)).text,
    access: (await serializeProvider(agentPoolAllowedWorkspacesProvider)).text,
    execution: (await serializeProvider(workspaceExecutionProvider)).text,
  };
  const host = await DynamicProviderHost.start();
  const rows: Row[] = [];
  const managed: Managed[] = [];
  try {
    await host.configure({ "tfc:hostname": double.url, "tfc:token": rpcSecret(double.validToken) });
    const withProvider = (kind: string, props: Props): Props => ({
      ...props,
      [PROVIDER_KEY]: providers[kind],
    });

    /** What the engine does for a new resource: Check, then Create. */
    const create = async (kind: string, raw: Props): Promise<Managed> => {
      const { inputs, failures } = await host.check({}, withProvider(kind, raw));
      if (failures.length > 0) throw new Error(`${kind}: ${JSON.stringify(failures)}`);
      const { id, props } = await host.create(inputs);
      const m = { kind, id, inputs, state: props };
      managed.push(m);
      return m;
    };

    rows.push(
      await measure(
        double,
        `create pool + token + workspace + access + execution + ${VARIABLES} variables`,
        CREATE_CALLS.pool +
          CREATE_CALLS.token +
          CREATE_CALLS.workspace +
          CREATE_CALLS.access +
          CREATE_CALLS.execution +
          VARIABLES * CREATE_CALLS.variable,
        async () => {
          const pool = await create("pool", {
            organization: "acme",
            name: "bench-pool",
            organizationScoped: false,
          });
          await create("token", { agentPoolId: pool.id, description: "bench agents" });
          const ws = await create("workspace", { organization: "acme", name: "bench" });
          await create("access", { agentPoolId: pool.id, workspaceIds: [ws.id] });
          await create("execution", { workspaceId: ws.id, executionMode: "agent", agentPoolId: pool.id });
          await Promise.all(
            Array.from({ length: VARIABLES }, (_, i) =>
              create("variable", {
                workspaceId: ws.id,
                key: `VAR_${i}`,
                value: `value-${i}`,
                category: "env",
                sensitive: i % 2 === 0,
              }),
            ),
          );
        },
      ),
    );

    rows.push(
      await measure(double, "no-change up (Check + Diff per resource)", 0, async () => {
        for (const m of managed) {
          const { inputs } = await host.check(m.state, withProvider(m.kind, m.inputs));
          const diff = await host.diff(m.id, m.state, inputs);
          if (diff.changes !== "none")
            throw new Error(`${m.kind} ${m.id} shows a change: ${JSON.stringify(diff)}`);
        }
      }),
    );

    rows.push(
      await measure(double, "refresh (Read per resource)", managed.length, async () => {
        for (const m of managed) {
          const read = await host.read(m.id, m.state);
          if (read.id !== m.id) throw new Error(`${m.kind} ${m.id} vanished on refresh`);
          m.state = read.props;
        }
      }),
    );

    rows.push(
      await measure(double, "no-change up after refresh", 0, async () => {
        for (const m of managed) {
          const { inputs } = await host.check(m.state, withProvider(m.kind, m.inputs));
          const diff = await host.diff(m.id, m.state, inputs);
          if (diff.changes !== "none")
            throw new Error(`${m.kind} ${m.id} shows a perpetual diff: ${JSON.stringify(diff)}`);
        }
      }),
    );

    rows.push(
      await measure(
        double,
        "refresh under a 429 burst (3 x X-RateLimit-Reset: 0.1)",
        managed.length,
        async () => {
          double.faults.push({ status: 429, rateLimitReset: "0.1", times: 3 });
          for (const m of managed) m.state = (await host.read(m.id, m.state)).props;
        },
      ),
    );

    rows.push(
      // One call per resource, plus the allow-list's GET before its PATCH.
      await measure(double, "destroy (Delete per resource)", managed.length + 1, async () => {
        for (const m of [...managed].reverse()) await host.delete(m.id, m.state);
      }),
    );
  } finally {
    await host.stop();
    await double.stop();
  }

  const header = ["scenario", "API calls", "minimum", "by method", "ms"];
  const table = rows.map((r) => [r.scenario, String(r.calls), String(r.minimum), r.byMethod, String(r.ms)]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(" | ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const row of table) console.log(line(row));
  const over = rows.filter((r) => r.calls > r.minimum && !r.scenario.includes("429"));
  if (over.length > 0) {
    console.error(`more calls than the minimum: ${over.map((r) => r.scenario).join("; ")}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
