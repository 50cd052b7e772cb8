/**
 * Where the HCP Terraform hostname and API token come from, resolved at call time inside the
 * provider process: first the stack config handed to the dynamic provider's `configure()`
 * (`tfc:hostname`, secret `tfc:token`), then the conventional `TFE_HOSTNAME` / `TFE_TOKEN`
 * environment variables. Nothing here is captured when Pulumi serializes a provider, so the
 * token never lands in the `__provider` string or in state.
 */

export const HOSTNAME_KEY = "tfc:hostname";
export const TOKEN_KEY = "tfc:token";
export const HOSTNAME_ENV = "TFE_HOSTNAME";
export const TOKEN_ENV = "TFE_TOKEN";
export const DEFAULT_HOSTNAME = "app.terraform.io";

/** What `configure()` found in the stack config; either may be absent. */
export interface TfcSettings {
  readonly hostname?: string;
  readonly token?: string;
}

/** Everything a request needs. Never log or serialize this object: it holds the token. */
export interface TfcConnection {
  /** `https://<host>/api/v2`, without a trailing slash. */
  readonly apiBase: string;
  /** `https://<host>`, used to turn relative `self-html` links into full URLs. */
  readonly origin: string;
  readonly token: string;
}

/** The subset of `pulumi.dynamic.Config` that `configure()` receives. */
export interface ConfigLookup {
  get(key: string): string | undefined;
}

/**
 * Reads `tfc:hostname` / `tfc:token` from the dynamic provider's config. The host builds that
 * config from the engine's Configure call; a host that never received Configure hands over a
 * config whose lookups throw, which we treat as "no stack config" and fall back to the env.
 */
export function settingsFromConfig(config: ConfigLookup | undefined): TfcSettings {
  const read = (key: string): string | undefined => {
    try {
      const value: unknown = config?.get(key);
      return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
    } catch {
      return undefined;
    }
  };
  const hostname = read(HOSTNAME_KEY);
  const token = read(TOKEN_KEY);
  return { ...(hostname ? { hostname } : {}), ...(token ? { token } : {}) };
}

/** Stack config first, then the environment; fails closed with the key and variable to set. */
export function resolveConnection(
  settings: TfcSettings | undefined,
  env: Record<string, string | undefined> = process.env,
): TfcConnection {
  const token = settings?.token ?? nonEmpty(env[TOKEN_ENV]);
  if (!token) {
    throw configProblem(
      TOKEN_KEY,
      `no HCP Terraform API token found in the stack config or in the ${TOKEN_ENV} environment variable`,
      `pulumi config set --secret ${TOKEN_KEY} <token>, or export ${TOKEN_ENV}=<token>`,
    );
  }
  // fetch() quotes an invalid header value whole in its error ("Headers.append: "Bearer <token>"
  // is an invalid header value"), so a token with a control or non-ASCII character would end up
  // in an error message. Refuse it here, naming neither the value nor its position.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw configProblem(
      TOKEN_KEY,
      "the HCP Terraform API token contains a character that is not printable ASCII (a line break, space or " +
        "non-ASCII character, often from copy and paste)",
      `set it again: pulumi config set --secret ${TOKEN_KEY} <token>, or export ${TOKEN_ENV}=<token>`,
    );
  }
  const origin = originOf(settings?.hostname ?? nonEmpty(env[HOSTNAME_ENV]) ?? DEFAULT_HOSTNAME);
  return { apiBase: `${origin}/api/v2`, origin, token };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * A bare hostname (optionally with a port) means HTTPS. An explicit `http://` URL is accepted
 * only for loopback addresses (local API doubles): the bearer token must never cross a network
 * in clear text.
 */
export function originOf(hostname: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(hostname) ? hostname : `https://${hostname}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw configProblem(
      HOSTNAME_KEY,
      `"${hostname}" is not a hostname`,
      `pulumi config set ${HOSTNAME_KEY} app.terraform.io (or your Terraform Enterprise host), or set ${HOSTNAME_ENV}`,
    );
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw configProblem(
      HOSTNAME_KEY,
      `"${hostname}" does not use https (plain http is allowed for loopback test servers only)`,
      `use the bare hostname, e.g. pulumi config set ${HOSTNAME_KEY} tfe.example.com, or set ${HOSTNAME_ENV}`,
    );
  }
  return url.origin;
}

/**
 * The same message shape as `ConfigError` (config/errors.ts): key, problem, fix. Built as a plain
 * Error because this code runs inside the serialized provider, where Pulumi's closure serializer
 * turns an Error subclass into `Error.call(this, ...)` and the message is lost.
 */
export function configProblem(key: string, problem: string, fix: string): Error {
  return Object.assign(new Error(`${key}: ${problem}. Fix: ${fix}`), {
    name: "ConfigError",
    key,
    problem,
    fix,
  });
}
