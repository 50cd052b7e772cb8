/**
 * The hooks' error type: what failed and what to check, printed as one line. The agent shows hook
 * output in the run log, so the message is the user interface; it never carries a secret.
 */
export class HookFailure extends Error {
  constructor(
    /** What failed, e.g. `Vault login with role "plan" was refused (400: ...)`. */
    readonly what: string,
    /** What the user should check or change to fix it. */
    readonly check: string,
  ) {
    super(`${what}; check: ${check}`);
    this.name = "HookFailure";
  }
}

/** `AKIA************WXYZ`: enough to match against CloudTrail, not enough to use. */
export function maskKeyId(accessKeyId: string): string {
  if (accessKeyId.length <= 8) return "*".repeat(accessKeyId.length);
  return `${accessKeyId.slice(0, 4)}${"*".repeat(accessKeyId.length - 8)}${accessKeyId.slice(-4)}`;
}

/** `14m50s`, for TTLs in messages. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}h${m}m${rest}s` : m > 0 ? `${m}m${rest}s` : `${rest}s`;
}
