/**
 * Runs the policy pack the way `pulumi preview --policy-pack policy` does: Pulumi's own
 * policy-pack host (`@pulumi/pulumi/cmd/run-policy-pack`) loads `policy/` in a separate Node
 * process (TypeScript compiled by ts-node with type checking, as the CLI's host does), the pack's
 * `new PolicyPack()` serves the Analyzer gRPC service and prints its port, and this client sends
 * the engine's requests: GetAnalyzerInfo, Configure, Analyze (one resource, inputs), AnalyzeStack.
 * Properties are sent as the engine marshals them: secrets keep their signature wrapper.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerproto from "@pulumi/pulumi/proto/analyzer_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";

export const POLICY_PACK_DIR = path.resolve(__dirname, "..", "..", "policy");
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A value as the engine sends a secret to an analyzer (KeepSecrets). */
export function rpcSecret(value: unknown): Record<string, unknown> {
  return { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

export interface AnalyzedResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  readonly additionalSecretOutputs?: readonly string[];
  /** Per property, the names of resources (in the same request) it depends on. */
  readonly propertyDependsOn?: Record<string, readonly string[]>;
}

export interface Diagnostic {
  readonly policyName: string;
  readonly policyPackName: string;
  readonly message: string;
  readonly enforcementLevel: "advisory" | "mandatory";
  readonly urn: string;
}

export interface PolicySummary {
  readonly name: string;
  readonly enforcementLevel: "advisory" | "mandatory" | "disabled" | "remediate";
  readonly configKeys: string[];
}

const LEVELS = new Map<number, PolicySummary["enforcementLevel"]>([
  [analyzerproto.EnforcementLevel.ADVISORY, "advisory"],
  [analyzerproto.EnforcementLevel.MANDATORY, "mandatory"],
  [analyzerproto.EnforcementLevel.DISABLED, "disabled"],
  [analyzerproto.EnforcementLevel.REMEDIATE, "remediate"],
]);

function urnOf(r: AnalyzedResource): string {
  return `urn:pulumi:dev::tfc-jit-aws::${r.type}::${r.name}`;
}

function options(r: AnalyzedResource): analyzerproto.AnalyzerResourceOptions {
  const opts = new analyzerproto.AnalyzerResourceOptions();
  opts.setAdditionalsecretoutputsList([...(r.additionalSecretOutputs ?? [])]);
  return opts;
}

function unary<Req, Res>(
  call: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => call(req, (err, res) => (err ? reject(err) : resolve(res))));
}

function diagnosticsOf(list: analyzerproto.AnalyzeDiagnostic[]): Diagnostic[] {
  return list.map((d) => ({
    policyName: d.getPolicyname(),
    policyPackName: d.getPolicypackname(),
    message: d.getMessage(),
    enforcementLevel:
      d.getEnforcementlevel() === analyzerproto.EnforcementLevel.MANDATORY ? "mandatory" : "advisory",
    urn: d.getUrn(),
  }));
}

/** One running policy-pack host process and a gRPC client to it. */
export class PolicyPackHost {
  /** Everything the host wrote to stderr. */
  stderr = "";

  private constructor(
    private readonly child: ChildProcess,
    private readonly client: analyzerrpc.AnalyzerClient,
  ) {}

  /** Starts the host on `packDir` and connects once it printed its port. */
  static async start(packDir = POLICY_PACK_DIR, timeoutMs = 90_000): Promise<PolicyPackHost> {
    const entry = require.resolve("@pulumi/pulumi/cmd/run-policy-pack/index.js");
    // Arguments as the CLI passes them: the engine address (dialled only for logging, which a
    // healthy pack never does) and the pack directory; the pack reads package.json from its cwd.
    const child = spawn(process.execPath, [entry, "127.0.0.1:1", "."], {
      cwd: packDir,
      env: { ...process.env, PULUMI_NODEJS_PROJECT: "tfc-jit-aws", PULUMI_NODEJS_STACK: "dev" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`policy pack host printed no port within ${timeoutMs} ms: ${stderr}`));
      }, timeoutMs);
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const first = out.split("\n")[0]?.trim() ?? "";
        if (out.includes("\n") && /^\d+$/.test(first)) {
          clearTimeout(timer);
          resolve(Number(first));
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`policy pack host exited with ${code} before serving: ${stderr}${out}`));
      });
    });
    const client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const host = new PolicyPackHost(child, client);
    child.stderr.on("data", (chunk: Buffer) => (host.stderr += chunk.toString()));
    host.stderr = stderr;
    return host;
  }

  /** The pack's name and its policies as the engine sees them. */
  async info(): Promise<{ name: string; policies: PolicySummary[] }> {
    const res = await unary<emptyproto.Empty, analyzerproto.AnalyzerInfo>(
      (r, cb) => this.client.getAnalyzerInfo(r, cb),
      new emptyproto.Empty(),
    );
    return {
      name: res.getName(),
      policies: res.getPoliciesList().map((p) => ({
        name: p.getName(),
        enforcementLevel: LEVELS.get(p.getEnforcementlevel()) ?? "disabled",
        configKeys: Object.keys(p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}),
      })),
    };
  }

  /** Sends policy configuration, as the engine does from a `--policy-pack-config` file. */
  async configure(config: Record<string, Record<string, unknown>>): Promise<void> {
    const req = new analyzerproto.ConfigureAnalyzerRequest();
    for (const [policy, props] of Object.entries(config)) {
      const pc = new analyzerproto.PolicyConfig();
      pc.setEnforcementlevel(analyzerproto.EnforcementLevel.MANDATORY);
      pc.setProperties(
        structproto.Struct.fromJavaScript(props as Record<string, structproto.JavaScriptValue>),
      );
      req.getPolicyconfigMap().set(policy, pc);
    }
    await unary<analyzerproto.ConfigureAnalyzerRequest, emptyproto.Empty>(
      (r, cb) => this.client.configure(r, cb),
      req,
    );
  }

  /** Analyze: one resource's inputs, before it is created or updated. */
  async analyze(resource: AnalyzedResource): Promise<Diagnostic[]> {
    const req = new analyzerproto.AnalyzeRequest();
    req.setType(resource.type);
    req.setName(resource.name);
    req.setUrn(urnOf(resource));
    req.setProperties(
      structproto.Struct.fromJavaScript(resource.props as Record<string, structproto.JavaScriptValue>),
    );
    req.setOptions(options(resource));
    const res = await unary<analyzerproto.AnalyzeRequest, analyzerproto.AnalyzeResponse>(
      (r, cb) => this.client.analyze(r, cb),
      req,
    );
    return diagnosticsOf(res.getDiagnosticsList());
  }

  /** AnalyzeStack: every resource of the stack at once (stack policies). */
  async analyzeStack(resources: readonly AnalyzedResource[]): Promise<Diagnostic[]> {
    const req = new analyzerproto.AnalyzeStackRequest();
    const urns = new Map(resources.map((r) => [r.name, urnOf(r)]));
    req.setResourcesList(
      resources.map((r) => {
        const res = new analyzerproto.AnalyzerResource();
        res.setType(r.type);
        res.setName(r.name);
        res.setUrn(urnOf(r));
        res.setProperties(
          structproto.Struct.fromJavaScript(r.props as Record<string, structproto.JavaScriptValue>),
        );
        res.setOptions(options(r));
        for (const [prop, names] of Object.entries(r.propertyDependsOn ?? {})) {
          const deps = new analyzerproto.AnalyzerPropertyDependencies();
          deps.setUrnsList(names.map((n) => urns.get(n) ?? n));
          res.getPropertydependenciesMap().set(prop, deps);
        }
        return res;
      }),
    );
    const res = await unary<analyzerproto.AnalyzeStackRequest, analyzerproto.AnalyzeResponse>(
      (r, cb) => this.client.analyzeStack(r, cb),
      req,
    );
    return diagnosticsOf(res.getDiagnosticsList());
  }

  /** Closes the client and ends the host process (only this one, by its handle). */
  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.kill();
    });
  }
}
