/**
 * The one shape every configuration problem takes: which key, what is wrong, how to fix it.
 * Thrown by the pure validators before any resource is registered, so a bad stack file
 * creates nothing.
 */
export class ConfigError extends Error {
  constructor(
    /** The full config key, e.g. `tfc-jit-aws:vaultAddress`. */
    readonly key: string,
    /** What is wrong with the value (never the value itself when it may be secret). */
    readonly problem: string,
    /** What to do about it, e.g. `pulumi config set tfc-jit-aws:vaultAddress https://...`. */
    readonly fix: string,
  ) {
    super(`${key}: ${problem}. Fix: ${fix}`);
    this.name = "ConfigError";
  }
}

/** Several problems at once, so a user fixes the stack file in one pass. */
export class ConfigErrors extends Error {
  constructor(readonly errors: readonly ConfigError[]) {
    super(
      `invalid stack configuration (${errors.length} problem${errors.length === 1 ? "" : "s"}):\n` +
        errors.map((e) => `  - ${e.message}`).join("\n"),
    );
    this.name = "ConfigErrors";
  }
}
