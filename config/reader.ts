/**
 * Typed, collecting reads of stack configuration. Every problem is recorded as a ConfigError
 * (key + problem + fix) and `throwIfInvalid()` reports them all at once, before any resource is
 * registered. Pure: the source is an interface, so validation is unit-tested without Pulumi.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigErrors } from "./errors";

/** Where raw values come from: `pulumi.Config` in the program, a plain object in tests. */
export interface ConfigSource {
  /** The raw string of `<namespace>:<key>` (structured values arrive as JSON text), or undefined. */
  get(key: string): string | undefined;
  /** A secret value, still wrapped: only its presence can be validated. */
  getSecret(key: string): pulumi.Output<string> | undefined;
  /**
   * Whether a key of any namespace (e.g. `tfc:token`) is set but NOT stored as a secret; absent
   * when the source cannot tell (then the check is skipped, see config/credentials.ts).
   */
  isPlainText?(fullKey: string): boolean;
}

export class ConfigReader {
  readonly errors: ConfigError[] = [];

  constructor(
    private readonly source: ConfigSource,
    readonly namespace = "tfc-jit-aws",
  ) {}

  /** The full key as a user types it in `pulumi config set`. */
  fullKey(key: string): string {
    return `${this.namespace}:${key}`;
  }

  /** Records a problem with `key`; returns undefined so callers can `return reader.fail(...)`. */
  fail(key: string, problem: string, fix: string): undefined {
    return this.failFullKey(this.fullKey(key), problem, fix);
  }

  /** Records a problem with a key of any namespace, given in full (e.g. `tfc:token`). */
  failFullKey(fullKey: string, problem: string, fix: string): undefined {
    this.errors.push(new ConfigError(fullKey, problem, fix));
    return undefined;
  }

  /** A trimmed string; empty counts as unset. */
  optionalString(key: string): string | undefined {
    const raw = this.source.get(key)?.trim();
    return raw === undefined || raw === "" ? undefined : raw;
  }

  string(key: string, fallback: string): string {
    return this.optionalString(key) ?? fallback;
  }

  /** A required string; `example` shows the user what a value looks like. */
  requiredString(key: string, example: string): string {
    const value = this.optionalString(key);
    if (value === undefined) {
      this.fail(key, "is required but not set", `pulumi config set ${this.fullKey(key)} ${example}`);
      return "";
    }
    return value;
  }

  integer(key: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const raw = this.optionalString(key);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
    if (!Number.isInteger(value) || value < min || value > max) {
      this.fail(
        key,
        `must be a whole number from ${min} to ${max}, got "${raw}"`,
        `pulumi config set ${this.fullKey(key)} ${fallback}`,
      );
      return fallback;
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const raw = this.optionalString(key);
    if (raw === undefined) return fallback;
    if (raw === "true" || raw === "false") return raw === "true";
    this.fail(
      key,
      `must be true or false, got "${raw}"`,
      `pulumi config set ${this.fullKey(key)} ${String(fallback)}`,
    );
    return fallback;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optionalString(key);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.fail(
      key,
      `must be one of ${allowed.join(", ")}, got "${raw}"`,
      `pulumi config set ${this.fullKey(key)} ${fallback}`,
    );
    return fallback;
  }

  /** A structured value (`pulumi config set --path` or a YAML list/map in the stack file). */
  json<T>(key: string, fallback: T, describe: string): T {
    const raw = this.optionalString(key);
    if (raw === undefined) return fallback;
    try {
      return JSON.parse(raw) as T;
    } catch {
      this.fail(
        key,
        `must be ${describe} (YAML in the stack file, or JSON text)`,
        `edit ${this.fullKey(key)} in Pulumi.<stack>.yaml`,
      );
      return fallback;
    }
  }

  /** A list of strings, given as a YAML list in the stack file. */
  stringList(key: string, fallback: readonly string[]): string[] {
    const value = this.json<unknown>(key, fallback, "a list of strings");
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value;
    this.fail(
      key,
      "must be a list of strings",
      `edit ${this.fullKey(key)} in Pulumi.<stack>.yaml as a YAML list`,
    );
    return [...fallback];
  }

  optionalSecret(key: string): pulumi.Output<string> | undefined {
    return this.source.getSecret(key);
  }

  requiredSecret(key: string, what: string): pulumi.Output<string> | undefined {
    const value = this.source.getSecret(key);
    if (value === undefined) {
      this.fail(
        key,
        `is required but not set (${what})`,
        `pulumi config set --secret ${this.fullKey(key)} <value>`,
      );
    }
    return value;
  }

  /** Throws every recorded problem at once; call after all reads. */
  throwIfInvalid(): void {
    if (this.errors.length > 0) throw new ConfigErrors(this.errors);
  }
}

/** An in-memory source for tests and tools: plain values, secrets wrapped on request. */
export function memorySource(
  values: Readonly<Record<string, string | number | boolean | object>>,
  wrapSecret: (v: string) => pulumi.Output<string>,
  secretKeys: readonly string[] = [],
): ConfigSource {
  const text = (key: string): string | undefined => {
    const v = values[key];
    if (v === undefined) return undefined;
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  };
  return {
    get: (key) => (secretKeys.includes(key) ? undefined : text(key)),
    getSecret: (key) => {
      const v = text(key);
      return v === undefined ? undefined : wrapSecret(v);
    },
  };
}
