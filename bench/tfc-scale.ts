/**
 * HCP Terraform API load of 1, 10 and 50 onboarded workspaces, through Pulumi's own
 * dynamic-provider host (one provider process, as under `pulumi up`), against the API double
 * enforcing the documented 30 requests/s per user (answering 429 with X-RateLimit-Reset above it).
 * Per size: one pool (not organization-scoped) + its token + one allow-list, and per workspace the
 * workspace, its WorkspaceExecution and 2 variables. Resources of one dependency level are created
 * in parallel, as the engine does. Reported: API calls to create, for a no-change `up` (0) and a
 * refresh (one per resource); the peak request rate in any one-second window (must stay <= 30);
 * how many 429s the double answered; provider wall time per resource.
 *
 *   node --require ts-node/register/transpile-only bench/tfc-scale.ts
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

const SIZES = [1, 10, 50];
const VARIABLES_PER_WORKSPACE = 2;
const API_LIMIT_PER_SECOND = 30;

interface Managed {
  kind: string;
  id: string;
  inputs: Props;
  state: Props;
}

/** The most requests that arrived within any one-second window. */
function peakPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

interface Phase {
  calls: number;
  peak: number;
  limited: number;
  ms: number;
}

async function phase(double: TfcApiDouble, run: () => Promise<void>): Promise<Phase> {
  double.log.length = 0;
  double.rateLimited = 0;
  const started = performance.now();
  await run();
  const ms = performance.now() - started;
  const answered = double.log.filter((r) => r.response?.status !== 429);
  return {
    calls: answered.length,
    peak: peakPerSecond(double.log.map((r) => r.at)),
    limited: double.rateLimited,
    ms,
  };
}

async function main(): Promise<void> {
  const providers: Record<string, string> = {
    pool: (await serializeProvider(agentPoolProvider)).text,
    token: (await serializeProvider(agentTokenProvider)).text,
    workspace: (await serializeProvider(workspaceProvider)).text,
    variable: (await serializeProvider(variableProvider)).text,
    access: (await serializeProvider(agentPoolAllowedWorkspacesProvider)).text,
    execution: (await serializeProvider(workspaceExecutionProvider)).text,
  };
  const rows: string[][] = [];
  let failed = false;
  for (const size of SIZES) {
    const double = await startTfcApiDouble();
    double.rateLimitPerSecond = API_LIMIT_PER_SECOND;
    const host = await DynamicProviderHost.start();
    const managed: Managed[] = [];
    try {
      await host.configure({ "tfc:hostname": double.url, "tfc:token": rpcSecret(double.validToken) });
      const withProvider = (kind: string, props: Props): Props => ({
        ...props,
        [PROVIDER_KEY]: providers[kind],
      });
      const create = async (kind: string, raw: Props): Promise<Managed> => {
        const { inputs, failures } = await host.check({}, withProvider(kind, raw));
        if (failures.length > 0) throw new Error(`${kind}: ${JSON.stringify(failures)}`);
        const { id, props } = await host.create(inputs);
        const m = { kind, id, inputs, state: props };
        managed.push(m);
        return m;
      };

      const created = await phase(double, async () => {
        const pool = await create("pool", {
          organization: "acme",
          name: "scale-pool",
          organizationScoped: false,
        });
        const [, ...workspaces] = await Promise.all([
          create("token", { agentPoolId: pool.id, description: "agents" }),
          ...Array.from({ length: size }, (_, i) =>
            create("workspace", { organization: "acme", name: `ws-${i}` }),
          ),
        ]);
        await create("access", { agentPoolId: pool.id, workspaceIds: workspaces.map((w) => w.id) });
        await Promise.all(
          workspaces.flatMap((ws) => [
            create("execution", { workspaceId: ws.id, executionMode: "agent", agentPoolId: pool.id }),
            ...Array.from({ length: VARIABLES_PER_WORKSPACE }, (_, v) =>
              create("variable", { workspaceId: ws.id, key: `K${v}`, value: `v${v}`, category: "env" }),
            ),
          ]),
        );
      });

      const noChange = await phase(double, async () => {
        await Promise.all(
          managed.map(async (m) => {
            const { inputs } = await host.check(m.state, withProvider(m.kind, m.inputs));
            const diff = await host.diff(m.id, m.state, inputs);
            if (diff.changes !== "none") throw new Error(`${m.kind} ${m.id} shows a change`);
          }),
        );
      });

      const refresh = await phase(double, async () => {
        await Promise.all(
          managed.map(async (m) => {
            const read = await host.read(m.id, m.state);
            if (read.id !== m.id) throw new Error(`${m.kind} ${m.id} vanished on refresh`);
            m.state = read.props;
          }),
        );
      });

      const resources = managed.length;
      for (const [name, p, expected] of [
        ["create", created, undefined],
        ["no-change up", noChange, 0],
        ["refresh", refresh, resources],
      ] as const) {
        rows.push([
          String(size),
          String(resources),
          name,
          String(p.calls),
          String(p.peak),
          String(p.limited),
          (p.ms / resources).toFixed(1),
          (p.ms / 1000).toFixed(1),
        ]);
        if (expected !== undefined && p.calls !== expected) {
          console.error(`${size} workspaces, ${name}: ${p.calls} calls, expected ${expected}`);
          failed = true;
        }
        if (p.peak > API_LIMIT_PER_SECOND || p.limited > 0) {
          console.error(`${size} workspaces, ${name}: peak ${p.peak}/s, ${p.limited} answered 429`);
          failed = true;
        }
      }
    } finally {
      await host.stop();
      await double.stop();
    }
  }

  const header = [
    "workspaces",
    "resources",
    "phase",
    "API calls",
    "peak req/s",
    "429s",
    "ms/resource",
    "s total",
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(" | ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const row of rows) console.log(line(row));
  if (failed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
