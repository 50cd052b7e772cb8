/**
 * Drives a dynamic provider the way a real `pulumi up` does: the provider object is serialized
 * with Pulumi's own closure serializer (as `pulumi.dynamic.Resource` does for `__provider`), and
 * every call goes over gRPC to Pulumi's dynamic-provider host process
 * (`@pulumi/pulumi/cmd/dynamic-provider`), which deserializes it in a fresh Node process.
 * If a provider captured a client, a Map, a class with private fields or a credential, this is
 * where it shows.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call,
   @typescript-eslint/no-explicit-any -- the generated proto stubs are untyped CommonJS. */
const provproto: any = require("@pulumi/pulumi/proto/provider_pb");
const provrpc: any = require("@pulumi/pulumi/proto/provider_grpc_pb");

export const PROVIDER_KEY = "__provider";
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Pulumi's serialization of a dynamic provider, exactly as `dynamic.Resource` performs it. */
export async function serializeProvider(
  provider: pulumi.dynamic.ResourceProvider,
): Promise<{ text: string; containsSecrets: boolean }> {
  const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  return { text: sf.text, containsSecrets: sf.containsSecrets };
}

/** A value as the engine sends a secret over gRPC. */
export function rpcSecret(value: string): Record<string, unknown> {
  return { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

export type Props = Record<string, unknown>;

export interface HostOptions {
  /** Environment of the host process (defaults to a copy without TFE_* variables). */
  readonly env?: NodeJS.ProcessEnv;
}

/** One running host process plus a gRPC client to it. */
export class DynamicProviderHost {
  /** Everything the host wrote to stderr, for assertions that no secret was printed. */
  stderr = "";
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: any,
  ) {}

  static async start(options: HostOptions = {}): Promise<DynamicProviderHost> {
    const entry = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js");
    const env = options.env ?? withoutTfeVariables(process.env);
    // The host needs an engine address argument but only dials it for logging, which we never use.
    const child = spawn(process.execPath, [entry, "127.0.0.1:1"], {
      cwd: path.resolve(__dirname, "..", ".."),
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(
        () => reject(new Error(`dynamic provider host did not start: ${stderr}`)),
        20_000,
      );
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split("\n")[0];
        if (out.includes("\n") && /^\d+$/.test(line.trim())) {
          clearTimeout(timer);
          resolve(line.trim());
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`dynamic provider host exited with ${code}: ${stderr}`));
      });
    });
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const host = new DynamicProviderHost(child, client);
    child.stderr.on("data", (chunk: Buffer) => (host.stderr += chunk.toString()));
    host.stderr = stderr;
    return host;
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGTERM");
      await exited;
    }
  }

  /** The engine's Configure call: stack config keys as the engine sends them to dynamic providers. */
  async configure(config: Props): Promise<void> {
    const req = new provproto.ConfigureRequest();
    req.setArgs(struct(config));
    await this.unary("configure", req);
  }

  async check(
    olds: Props,
    news: Props,
  ): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    const req = new provproto.CheckRequest();
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    const resp = await this.unary("check", req);
    return {
      inputs: resp.getInputs().toJavaScript(),
      failures: resp
        .getFailuresList()
        .map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(
    id: string,
    olds: Props,
    news: Props,
  ): Promise<{ changes: "none" | "some" | "unknown"; replaces: string[]; deleteBeforeReplace: boolean }> {
    const req = new provproto.DiffRequest();
    req.setId(id);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    const resp = await this.unary("diff", req);
    const kinds = provproto.DiffResponse.DiffChanges;
    const changes =
      resp.getChanges() === kinds.DIFF_SOME
        ? "some"
        : resp.getChanges() === kinds.DIFF_NONE
          ? "none"
          : "unknown";
    return { changes, replaces: resp.getReplacesList(), deleteBeforeReplace: resp.getDeletebeforereplace() };
  }

  async create(props: Props): Promise<{ id: string; props: Props }> {
    const req = new provproto.CreateRequest();
    req.setProperties(struct(props));
    const resp = await this.unary("create", req);
    return { id: resp.getId(), props: resp.getProperties().toJavaScript() };
  }

  async read(id: string, props: Props): Promise<{ id: string; props: Props }> {
    const req = new provproto.ReadRequest();
    req.setId(id);
    req.setProperties(struct(props));
    const resp = await this.unary("read", req);
    return { id: resp.getId(), props: resp.getProperties()?.toJavaScript() ?? {} };
  }

  async update(id: string, olds: Props, news: Props): Promise<Props> {
    const req = new provproto.UpdateRequest();
    req.setId(id);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    const resp = await this.unary("update", req);
    return resp.getProperties().toJavaScript() as Props;
  }

  async delete(id: string, props: Props): Promise<void> {
    const req = new provproto.DeleteRequest();
    req.setId(id);
    req.setProperties(struct(props));
    await this.unary("delete", req);
  }

  private unary(method: string, req: unknown): Promise<any> {
    return new Promise((resolve, reject) => {
      this.client[method](req, (err: grpc.ServiceError | null, resp: unknown) =>
        err ? reject(err) : resolve(resp),
      );
    });
  }
}

/** Drops undefined values: a protobuf Struct cannot carry them (the engine never sends them). */
function struct(value: Props): any {
  return structproto.Struct.fromJavaScript(
    JSON.parse(JSON.stringify(value)) as Record<string, structproto.JavaScriptValue>,
  );
}

export function withoutTfeVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.TFE_TOKEN;
  delete copy.TFE_HOSTNAME;
  return copy;
}
