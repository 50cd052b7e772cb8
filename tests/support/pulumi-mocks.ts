/**
 * One Pulumi mock monitor for the whole mocha process (Pulumi's runtime is global), recording
 * every resource registration so tests can assert on the graph a program or component builds.
 *
 * Usage:
 *   before(installMocks);            // once per file is fine; it is idempotent
 *   beforeEach(() => recorder.reset());
 *   ... construct components ...
 *   await settled();                 // let registrations reach the monitor
 *   recorder.ofType("vault:index/policy:Policy")
 */
import * as pulumi from "@pulumi/pulumi";

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** Inputs as the engine received them; secret values keep their secret wrapper. */
  readonly inputs: Record<string, unknown>;
  readonly id: string;
  readonly custom: boolean;
  readonly provider?: string;
}

export interface RecordedCall {
  readonly token: string;
  readonly inputs: Record<string, unknown>;
}

type StateFn = (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown>;
type CallFn = (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>;

class Recorder {
  resources: RecordedResource[] = [];
  calls: RecordedCall[] = [];
  /** Extra output state per resource type (e.g. a docker image's repoDigest). */
  readonly outputs = new Map<string, StateFn>();
  /** Results of invokes per function token. */
  readonly invokes = new Map<string, CallFn>();

  reset(): void {
    this.resources = [];
    this.calls = [];
  }

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  one(type: string, name?: string): RecordedResource {
    const found = this.ofType(type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1) {
      const names = found.map((r) => r.name).join(", ") || "none";
      throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found: ${names}`);
    }
    return found[0];
  }
}

export const recorder = new Recorder();

let installed: Promise<void> | undefined;

/** Installs the recording mocks once; later calls return the same promise. */
export function installMocks(): Promise<void> {
  installed ??= pulumi.runtime.setMocks(
    {
      newResource(args) {
        // New resources arrive with id "" (only reads/imports carry one): give each a known id.
        const id = args.id || `${args.name}-id`;
        recorder.resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
          id,
          custom: args.custom ?? true,
          ...(args.provider ? { provider: args.provider } : {}),
        });
        const extra = recorder.outputs.get(args.type)?.(args) ?? {};
        return { id, state: { ...(args.inputs as Record<string, unknown>), ...extra } };
      },
      call(args) {
        recorder.calls.push({ token: args.token, inputs: args.inputs as Record<string, unknown> });
        const fn = recorder.invokes.get(args.token);
        if (!fn) throw new Error(`no mock result for invoke ${args.token}`);
        return fn(args);
      },
    },
    "tfc-jit-aws",
    "dev",
    false,
    "acme",
  );
  return installed;
}

/** Waits until pending registrations have reached the mock monitor. */
export async function settled(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** The value an Output resolves to. */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** Whether an Output is secret. */
export function outputIsSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(output);
}

/** Whether a recorded input value arrived at the engine wrapped as a secret. */
export function isSecretInput(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/** A recorded input with every secret wrapper removed, for plain equality assertions. */
export function plain(value: unknown): unknown {
  if (isSecretInput(value)) return plain((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/**
 * Waits until every registration and invoke already started has reached the mock monitor,
 * however long the chain of Outputs before it (Pulumi's own RPC queue, `runtime.waitForRPCs`,
 * which `disconnect` awaits): deterministic where `settled()` only yields a few turns.
 */
export async function allRegistered(): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (typeof runtime.waitForRPCs !== "function")
    throw new Error("@pulumi/pulumi no longer exports runtime.waitForRPCs");
  await runtime.waitForRPCs();
}
