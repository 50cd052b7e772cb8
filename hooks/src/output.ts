/**
 * The only way the hooks print. Every secret the hook handles is registered here first, and every
 * line is scrubbed of them before it is written, so a Vault or SDK message that happens to echo a
 * token still cannot leak it (defence in depth: messages are built not to contain them anyway).
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  if (value !== undefined && value.length >= 8) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("[redacted]");
  // One line: the run log shows each hook line on its own.
  return out.replace(/[\r\n]+/g, " ");
}

/**
 * Text that may go into a message: registered secrets (and `extra`) redacted FIRST, then cut to
 * `max` characters. The other order could cut a secret in two and leave its head unredacted.
 */
export function printable(text: string, max: number, extra: ReadonlyArray<string | undefined> = []): string {
  let out = redact(text);
  for (const secret of extra)
    if (secret !== undefined && secret.length >= 8) out = out.split(secret).join("[redacted]");
  return out.length > max ? `${out.slice(0, max)}...` : out;
}

let prefix = "tfc-jit-aws";

export function setPrefix(hookName: string): void {
  prefix = hookName;
}

export function info(message: string): void {
  process.stdout.write(`${prefix}: ${redact(message)}\n`);
}

export function fail(message: string): void {
  process.stderr.write(`${prefix}: ERROR: ${redact(message)}\n`);
}
