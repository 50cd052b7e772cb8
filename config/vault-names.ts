/**
 * Name and address rules for the Vault-side configuration, as plain predicates that return a
 * problem sentence or undefined. HCP Terraform's documented name rules: organization and
 * workspace names use letters, digits, `-` and `_` (workspaces up to 90 characters); project
 * names also allow inner spaces and are 3 to 40 characters long.
 */

const ORGANIZATION = /^[A-Za-z0-9_-]+$/;
const WORKSPACE = /^[A-Za-z0-9_-]{1,90}$/;
const PROJECT = /^[A-Za-z0-9_-][A-Za-z0-9 _-]{1,38}[A-Za-z0-9_-]$/;
/** Vault mount paths: segments of safe characters, no leading/trailing `/`. */
const MOUNT = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
/** Vault role/policy name fragments we generate names from. */
const NAME_PREFIX = /^[a-z0-9][a-z0-9_-]{0,47}$/;

// Vault's glob (ryanuber/go-glob) has no escape: a `*` in a name would match other workspaces.
function globProblem(value: string): string | undefined {
  return value.includes("*")
    ? `contains "*", which Vault's glob binding would treat as a wildcard (it has no escape)`
    : undefined;
}

export function organizationProblem(value: string): string | undefined {
  return (
    globProblem(value) ?? (ORGANIZATION.test(value) ? undefined : "must use only letters, digits, - and _")
  );
}

export function projectProblem(value: string): string | undefined {
  return (
    globProblem(value) ??
    (PROJECT.test(value)
      ? undefined
      : "must be 3 to 40 letters, digits, -, _ or inner spaces (no leading or trailing space)")
  );
}

export function workspaceProblem(value: string): string | undefined {
  return (
    globProblem(value) ?? (WORKSPACE.test(value) ? undefined : "must be 1 to 90 letters, digits, - and _")
  );
}

// Vault compares bound_audiences literally, so a `*` is not a wildcard there, but it (or a comma
// list, or spaces) can never equal the single value a workspace sets as
// TFC_WORKLOAD_IDENTITY_AUDIENCE: the role would refuse every run, or the intent was "any audience".
const AUDIENCE = /^[^\s*,]{1,255}$/;

export function audienceProblem(value: string): string | undefined {
  return AUDIENCE.test(value)
    ? undefined
    : "must be one literal audience (no *, commas or spaces), the exact value of the workspace's TFC_WORKLOAD_IDENTITY_AUDIENCE";
}

export function mountPathProblem(value: string): string | undefined {
  return MOUNT.test(value)
    ? undefined
    : "must be a Vault mount path of letters, digits, - and _ segments, without leading or trailing /";
}

export function namePrefixProblem(value: string): string | undefined {
  return NAME_PREFIX.test(value)
    ? undefined
    : "must be 1 to 48 lower-case letters, digits, - and _, starting with a letter or digit";
}

/** Hosts that are this machine: the only ones allowInsecureHttp admits over http. */
const LOOPBACK: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/**
 * A value that failed to parse as a URL, fit for a message: anything between `//` and an `@`
 * is credentials (`https://user:password@host`) and is masked.
 */
function maskedAddress(value: string): string {
  return value.replace(/\/\/[^/]*@/, "//***@");
}

/**
 * An https base URL (http only when `allowHttp`), without query or fragment. Returns the URL
 * without trailing slash, or a problem.
 */
export function baseUrl(value: string, allowHttp: boolean): { url: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: `"${maskedAddress(value)}" is not a URL` };
  }
  if (url.protocol === "http:" && !allowHttp) {
    return { problem: `uses http, which sends tokens in clear text; only https is accepted` };
  }
  if (url.protocol === "http:" && !LOOPBACK.includes(url.hostname)) {
    // The flag is for a dev server on this machine: over a network, http lets anyone on the path
    // read Vault tokens or (for the issuer) serve their own signing keys.
    return {
      problem: `is http to ${url.hostname}, which is not this machine; allowInsecureHttp admits http to localhost only, anything else needs https`,
    };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { problem: `must be an https:// URL` };
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    return { problem: "must be a plain base URL without credentials, query or fragment" };
  }
  return { url: url.href.replace(/\/+$/, "") };
}
