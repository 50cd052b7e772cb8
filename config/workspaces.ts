/**
 * `tfc-jit-aws:workspaces`: the workspaces (and projects) this stack onboards beside the demo
 * workspace. Read once, validated without Pulumi; every problem is recorded on the reader with
 * its key path (`workspaces[2].plan.policyArns`) and its fix, so nothing registers from a bad list.
 *
 * Each phase block is read by config/vault.ts's readPhase, the same code that reads the stack's
 * `plan*`/`apply*` keys, through a reader whose keys are the entry's paths. What an entry does
 * not set is inherited from the stack's validated phase settings (credential type, user path,
 * permissions boundary, token and STS TTLs); permissions are never inherited: each entry states
 * its own (the plan phase falls back to the built-in read-only policy, the apply phase has none).
 *
 * Why `id` is required for a workspace entry instead of looked up by name: the JWT roles bind it
 * (`terraform_workspace_id`), so it must be what the operator means, not what a name resolves to
 * at the moment of an `up`; a lookup would also make every preview depend on the HCP Terraform
 * API, and the program has no data-read resource kind for workspaces.
 */
import { ConfigError } from "./errors";
import { ConfigReader } from "./reader";
import {
  DEFAULT_PLAN_POLICY,
  checkManagedIdentityPhases,
  readPhase,
  type PhaseField,
  type PhaseSettings,
  type VaultSide,
} from "./vault";
import { projectProblem, workspaceProblem } from "./vault-names";
import { type CredentialType, type Phase, PHASES } from "../components/aws-credential-types";

export const WORKSPACES_KEY = "workspaces";

/** One onboarded workspace, or one project whose every workspace is trusted alike. */
export interface OnboardedEntry {
  readonly kind: "workspace" | "project";
  /** Config path of the entry, for messages: `workspaces[2]`. */
  readonly path: string;
  /** Workspace name (workspace entries): bound in `sub`. */
  readonly workspace?: string;
  /** Workspace id `ws-...` (workspace entries): bound as `terraform_workspace_id`. */
  readonly workspaceId?: string;
  /** Project name: bound in `sub`. */
  readonly project: string;
  /** Project id `prj-...`: bound as `terraform_project_id` (required for project entries). */
  readonly projectId?: string;
  /** One type for both phases: the hooks read one TFC_VAULT_BACKED_AWS_AUTH_TYPE. */
  readonly credentialType: CredentialType;
  readonly phases: Readonly<Record<Phase, PhaseSettings>>;
  /** The entry's Vault role names (AWS engine role and JWT role share them). */
  readonly roleNames: Readonly<Record<Phase, string>>;
  /** Stem of its Pulumi resource names, from the workspace or project id: stable across renames. */
  readonly resourceName: string;
  /** Extra (tagged) AWS configurations, beside the default one above (`awsConfigurations`). */
  readonly awsConfigurations: readonly TaggedAwsConfiguration[];
}

/**
 * One tagged AWS configuration of an entry (HCP Terraform's "multiple configurations": the
 * hooks read `TFC_VAULT_BACKED_AWS_*_<TAG>`; docs/upstream-behaviour.md). It has its own AWS
 * engine roles and permissions per phase, and shares the entry's JWT roles (so its default Vault
 * configuration and workload identity token): the entry's phase token may read its credentials.
 */
export interface TaggedAwsConfiguration {
  /** The tag as the variables carry it (case kept): `LOGS` in `TFC_VAULT_BACKED_AWS_AUTH_LOGS`. */
  readonly tag: string;
  /** Config path, for messages: `workspaces[2].awsConfigurations[1]`. */
  readonly path: string;
  readonly credentialType: CredentialType;
  readonly phases: Readonly<Record<Phase, PhaseSettings>>;
  /** Its AWS engine role names: `<prefix>-<stem>.<tag, lower case>-<phase>`. */
  readonly roleNames: Readonly<Record<Phase, string>>;
  /** Stem of its Pulumi resource names: `<entry resourceName>-<tag>`. */
  readonly resourceName: string;
}

const ENTRY_FIELDS = [
  "name",
  "id",
  "project",
  "projectId",
  "credentialType",
  "plan",
  "apply",
  "awsConfigurations",
] as const;
const TAGGED_FIELDS = ["tag", "credentialType", "plan", "apply"] as const;
const PHASE_FIELDS: Readonly<Record<string, PhaseField>> = {
  credentialType: "CredentialType",
  policyDocument: "PolicyDocument",
  policyArns: "PolicyArns",
  roleArns: "RoleArns",
  iamGroups: "IamGroups",
  userPath: "UserPath",
  permissionsBoundaryArn: "PermissionsBoundaryArn",
  tokenTtlSeconds: "TokenTtlSeconds",
  stsTtlSeconds: "StsTtlSeconds",
};
/** Phase fields an entry may set (credentialType is set once per entry). */
const ENTRY_PHASE_FIELDS = Object.keys(PHASE_FIELDS).filter((f) => f !== "credentialType");
/**
 * Phase fields a tagged configuration may set: not the token TTL, since a tagged configuration
 * logs in with the entry's JWT roles, whose token TTL the entry sets.
 */
const TAGGED_PHASE_FIELDS = ENTRY_PHASE_FIELDS.filter((f) => f !== "tokenTtlSeconds");
const FIELD_NAME = Object.fromEntries(Object.entries(PHASE_FIELDS).map(([k, v]) => [v, k])) as Record<
  PhaseField,
  string
>;

/** Vault's name rule for roles (framework.GenericNameRegex): word characters, `-` and `.` inside. */
const VAULT_NAME = /^\w(([\w.-]+)?\w)?$/;
const MAX_ROLE_NAME = 100;
const WORKSPACE_ID = /^ws-[A-Za-z0-9]+$/;
/** HCP Terraform's tag rule for multiple configurations (docs/upstream-behaviour.md). */
const TAG = /^[A-Za-z0-9_]+$/;
const PROJECT_ID = /^prj-[A-Za-z0-9]+$/;

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The text a ConfigReader expects for a value: strings as they are, the rest as JSON. */
function text(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** `pulumi config set` cannot reach into a list without `--path`; the key must be quoted for the shell. */
function withPathFlag(fix: string, fullKeyPrefix: string): string {
  return fix.split(`pulumi config set ${fullKeyPrefix}`).join(`pulumi config set --path ${fullKeyPrefix}`);
}

/** A lower-case slug of a name for Vault role names and Pulumi resource names. */
export function nameSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]+/g, "-");
}

/** Vault role names of an entry: `<prefix>-<workspace>-<phase>`, `<prefix>-project-<project>-<phase>`. */
export function entryRoleNames(prefix: string, stem: string): Record<Phase, string> {
  return { plan: `${prefix}-${stem}-plan`, apply: `${prefix}-${stem}-apply` };
}

/**
 * AWS engine role names of a tagged configuration: `<prefix>-<stem>.<tag>-<phase>`, the tag in
 * lower case. The `.` appears in no prefix, stem or tag, so these names never equal an entry's
 * default role names or another tag's; lower case because IAM user names (which start with the
 * role name, IAM_USERNAME_TEMPLATE) are unique regardless of case. Still ending in `-<phase>`,
 * which the policy pack's plan-role pattern recognises.
 */
export function taggedRoleNames(prefix: string, stem: string, tag: string): Record<Phase, string> {
  return entryRoleNames(prefix, `${stem}.${tag.toLowerCase()}`);
}

interface Context {
  readonly r: ConfigReader;
  readonly vault: VaultSide;
  readonly allowPlanWrites: boolean;
  readonly manageEngineIdentity: boolean;
}

/** Fields outside the known set: a typo would otherwise be ignored silently. */
function unknownFields(
  ctx: Context,
  path: string,
  raw: Raw,
  known: readonly string[],
  what = path.includes(".") ? "onboarded phase" : "onboarded entry",
): void {
  for (const field of Object.keys(raw)) {
    if (!known.includes(field)) {
      ctx.r.fail(
        `${path}.${field}`,
        `is not a field of an ${what} (known: ${known.join(", ")})`,
        `remove it or fix its spelling in Pulumi.<stack>.yaml`,
      );
    }
  }
}

function stringField(ctx: Context, path: string, raw: Raw, field: string): string | undefined {
  const value = raw[field];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") {
    ctx.r.fail(
      `${path}.${field}`,
      "must be a string",
      `edit ${ctx.r.fullKey(`${path}.${field}`)} in Pulumi.<stack>.yaml`,
    );
    return undefined;
  }
  return value.trim();
}

/** The values a phase block reads, keyed by their full paths; unset fields inherit the stack's. */
function phaseValues(
  path: string,
  phase: Phase,
  raw: Raw,
  credentialType: string | undefined,
  stack: PhaseSettings,
  phaseFields: readonly string[],
): Map<string, string> {
  const values = new Map<string, string>();
  const key = (field: PhaseField) =>
    field === "CredentialType" ? `${path}.credentialType` : `${path}.${phase}.${FIELD_NAME[field]}`;
  const block = isObject(raw[phase]) ? raw[phase] : {};
  for (const [name, field] of Object.entries(PHASE_FIELDS)) {
    // Unknown fields are reported by the caller; they are not read.
    if (field === "CredentialType" || !phaseFields.includes(name)) continue;
    const v = block[name];
    if (v !== undefined && v !== null) values.set(key(field), text(v));
  }
  values.set(key("CredentialType"), credentialType ?? stack.credentialType);
  const inherit: [PhaseField, string | number | undefined][] = [
    ["UserPath", stack.userPath],
    ["PermissionsBoundaryArn", stack.permissionsBoundaryArn],
    ["TokenTtlSeconds", stack.tokenTtlSeconds],
    ["StsTtlSeconds", stack.stsTtlSeconds],
  ];
  for (const [field, value] of inherit) {
    // Only where the entry's type can take it: readPhase refuses e.g. a user path on assumed_role.
    const typeTakesIt =
      field === "UserPath" || field === "PermissionsBoundaryArn"
        ? (credentialType ?? stack.credentialType) === "iam_user"
        : true;
    if (!values.has(key(field)) && value !== undefined && typeTakesIt) values.set(key(field), String(value));
  }
  return values;
}

function readEntryPhases(
  ctx: Context,
  path: string,
  raw: Raw,
  credentialType: string | undefined,
  phaseFields: readonly string[] = ENTRY_PHASE_FIELDS,
): Record<Phase, PhaseSettings> {
  const { r, vault } = ctx;
  const values = new Map<string, string>();
  for (const phase of PHASES) {
    const block = raw[phase];
    if (block !== undefined && !isObject(block)) {
      r.fail(
        `${path}.${phase}`,
        "must be a map of permissions (policyDocument, policyArns, roleArns, ...)",
        `edit ${r.fullKey(`${path}.${phase}`)} in Pulumi.<stack>.yaml`,
      );
    } else if (block !== undefined) {
      unknownFields(ctx, `${path}.${phase}`, block, phaseFields);
    }
    for (const [k, v] of phaseValues(path, phase, raw, credentialType, vault.phases[phase], phaseFields))
      values.set(k, v);
  }
  // One reader over the entry's values; its problems move to the stack's reader below.
  const sub = new ConfigReader({ get: (key) => values.get(key), getSecret: () => undefined }, r.namespace);
  const keyOf = (phase: Phase) => (field: PhaseField) =>
    field === "CredentialType" ? `${path}.credentialType` : `${path}.${phase}.${FIELD_NAME[field]}`;
  const planBlock = isObject(raw.plan) ? raw.plan : {};
  const planHasOwnPermissions = ["policyDocument", "policyArns", "iamGroups"].some(
    (f) => planBlock[f] !== undefined,
  );
  const { defaultLeaseTtlSeconds, maxLeaseTtlSeconds } = vault.engine;
  const phases = {
    plan: readPhase(sub, "plan", defaultLeaseTtlSeconds, maxLeaseTtlSeconds, ctx.allowPlanWrites, {
      key: keyOf("plan"),
      // The built-in read-only policy, unless the entry gives the plan its own permissions.
      defaultDocument: planHasOwnPermissions ? undefined : DEFAULT_PLAN_POLICY,
    }),
    apply: readPhase(sub, "apply", defaultLeaseTtlSeconds, maxLeaseTtlSeconds, ctx.allowPlanWrites, {
      key: keyOf("apply"),
      defaultDocument: undefined,
    }),
  };
  if (ctx.manageEngineIdentity) checkManagedIdentityPhases(sub, phases, (p, f) => keyOf(p)(f));
  const prefix = `${r.namespace}:${WORKSPACES_KEY}[`;
  // The same problem may be reported by both phases (e.g. the shared credentialType).
  const seen = new Set<string>();
  for (const e of sub.errors) {
    if (seen.has(e.message)) continue;
    seen.add(e.message);
    r.errors.push(new ConfigError(e.key, e.problem, withPathFlag(e.fix, prefix)));
  }

  for (const phase of PHASES) {
    const p = phases[phase];
    if (p.roleArns.length > 1) {
      r.fail(
        `${path}.${phase}.roleArns`,
        "lists more than one role, but the hooks pass exactly one TFC_VAULT_BACKED_AWS_<PHASE>_ROLE_ARN",
        `keep one ARN in ${r.fullKey(`${path}.${phase}.roleArns`)}`,
      );
    }
    const none =
      p.credentialType !== "session_token" &&
      p.policyDocument === undefined &&
      p.policyArns.length === 0 &&
      p.iamGroups.length === 0 &&
      p.roleArns.length === 0;
    if (none) {
      r.fail(
        `${path}.${phase}`,
        `grants no AWS permissions (no policyDocument, policyArns, iamGroups or roleArns); each onboarded entry states its own ${phase} permissions`,
        `pulumi config set --path '${r.fullKey(`${path}.${phase}.policyArns[0]`)}' arn:aws:iam::123456789012:policy/<what this workspace may do>`,
      );
    }
  }
  return phases;
}

/** One `awsConfigurations[i]` of an entry; undefined (after reporting why) when unusable. */
function readTagged(
  ctx: Context,
  path: string,
  raw: unknown,
  entryCredentialType: string | undefined,
  prefix: string,
  stem: string,
  resourceName: string,
): TaggedAwsConfiguration | undefined {
  const { r } = ctx;
  const set = (field: string, example: string) =>
    `pulumi config set --path '${r.fullKey(`${path}.${field}`)}' ${example}`;
  if (!isObject(raw)) {
    r.fail(
      path,
      "must be a map with tag, credentialType, plan and apply (one extra AWS configuration)",
      `${set("tag", "LOGS")} (see docs/onboarding.md, "Several AWS configurations in one workspace")`,
    );
    return undefined;
  }
  unknownFields(ctx, path, raw, TAGGED_FIELDS, "AWS configuration");
  const tag = stringField(ctx, path, raw, "tag");
  if (tag === undefined && raw.tag !== undefined && raw.tag !== null && raw.tag !== "") return undefined;
  if (tag === undefined) {
    r.fail(
      `${path}.tag`,
      "is required: it names the configuration in its variables (TFC_VAULT_BACKED_AWS_AUTH_<TAG>) and in the run's aliases",
      set("tag", "LOGS"),
    );
    return undefined;
  }
  if (!TAG.test(tag)) {
    r.fail(
      `${path}.tag`,
      `"${tag}" is not a tag HCP Terraform accepts (letters, digits and underscores only)`,
      set("tag", tag.replace(/[^A-Za-z0-9_]+/g, "_") || "LOGS"),
    );
    return undefined;
  }
  if (/^type/i.test(tag)) {
    r.fail(
      `${path}.tag`,
      `"${tag}" starts with TYPE, which is reserved: TFC_VAULT_BACKED_AWS_AUTH_TYPE[_<TAG>] is the credential type, so TFC_VAULT_BACKED_AWS_AUTH_${tag} would be read as one`,
      set("tag", `X${tag}`),
    );
    return undefined;
  }
  const credentialType = stringField(ctx, path, raw, "credentialType") ?? entryCredentialType;
  const phases = readEntryPhases(ctx, path, raw, credentialType, TAGGED_PHASE_FIELDS);
  const roleNames = taggedRoleNames(prefix, stem, tag);
  for (const phase of PHASES) {
    if (roleNames[phase].length > MAX_ROLE_NAME) {
      r.fail(
        `${path}.tag`,
        `gives the Vault role name "${roleNames[phase]}", longer than ${MAX_ROLE_NAME} characters, which Vault refuses`,
        `shorten ${r.fullKey(`${path}.tag`)} (or the entry's name, or ${r.fullKey("vaultRoleNamePrefix")})`,
      );
      break;
    }
  }
  return {
    tag,
    path,
    credentialType: phases.plan.credentialType,
    phases,
    roleNames,
    resourceName: `${resourceName}-${tag}`,
  };
}

/** An entry's `awsConfigurations` (absent = none): each tag once, case-sensitively. */
function readTaggedList(
  ctx: Context,
  path: string,
  raw: Raw,
  entryCredentialType: string | undefined,
  prefix: string,
  stem: string,
  resourceName: string,
): TaggedAwsConfiguration[] {
  const { r } = ctx;
  const list = raw.awsConfigurations;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    r.fail(
      `${path}.awsConfigurations`,
      "must be a list of AWS configurations (YAML list of maps with tag, credentialType, plan, apply)",
      `edit ${r.fullKey(`${path}.awsConfigurations`)} in Pulumi.<stack>.yaml (see docs/onboarding.md)`,
    );
    return [];
  }
  const out: TaggedAwsConfiguration[] = [];
  const byTag = new Map<string, string>();
  const byRoleName = new Map<string, TaggedAwsConfiguration>();
  list.forEach((item, i) => {
    const itemPath = `${path}.awsConfigurations[${i}]`;
    const made = readTagged(ctx, itemPath, item, entryCredentialType, prefix, stem, resourceName);
    if (made === undefined) return;
    const sameTag = byTag.get(made.tag);
    const sameName = byRoleName.get(made.roleNames.plan);
    if (sameTag !== undefined) {
      r.fail(
        `${itemPath}.tag`,
        `"${made.tag}" is already the tag of ${sameTag}; each configuration of a workspace has its own tag`,
        `pulumi config set --path '${r.fullKey(`${itemPath}.tag`)}' <another tag>, or remove one of the two`,
      );
      return;
    }
    if (sameName !== undefined) {
      r.fail(
        `${itemPath}.tag`,
        `"${made.tag}" differs from "${sameName.tag}" (${sameName.path}) only in case, and both would name the Vault role "${made.roleNames.plan}" (role names are lower case: IAM user names, which start with them, ignore case)`,
        `pulumi config set --path '${r.fullKey(`${itemPath}.tag`)}' <a tag that differs in more than case>`,
      );
      return;
    }
    byTag.set(made.tag, itemPath);
    byRoleName.set(made.roleNames.plan, made);
    out.push(made);
  });
  return out;
}

function readEntry(ctx: Context, index: number, raw: unknown): OnboardedEntry | undefined {
  const { r, vault } = ctx;
  const path = `${WORKSPACES_KEY}[${index}]`;
  if (!isObject(raw)) {
    r.fail(
      path,
      "must be a map with name and id (a workspace) or project and projectId (a whole project)",
      `edit ${r.fullKey(WORKSPACES_KEY)} in Pulumi.<stack>.yaml (see README, "Onboarding workspaces")`,
    );
    return undefined;
  }
  unknownFields(ctx, path, raw, ENTRY_FIELDS);
  const name = stringField(ctx, path, raw, "name");
  const id = stringField(ctx, path, raw, "id");
  const projectId = stringField(ctx, path, raw, "projectId");
  const project = stringField(ctx, path, raw, "project");
  const credentialType = stringField(ctx, path, raw, "credentialType");
  const kind = name === undefined && id === undefined ? "project" : "workspace";
  const set = (field: string, example: string) =>
    `pulumi config set --path '${r.fullKey(`${path}.${field}`)}' ${example}`;

  if (kind === "workspace") {
    if (name === undefined && raw.name === undefined) {
      r.fail(
        `${path}.name`,
        "is required with id (the workspace's name, bound in the token's sub)",
        set("name", "network-prod"),
      );
    } else if (name !== undefined) {
      const problem = workspaceProblem(name);
      if (problem !== undefined) r.fail(`${path}.name`, `"${name}" ${problem}`, set("name", "network-prod"));
    }
    if (id === undefined) {
      r.fail(
        `${path}.id`,
        "is required: the JWT roles bind the workspace id, which the program does not look up by name",
        `${set("id", "ws-AbCd1234")} (Workspace settings > General shows the id)`,
      );
    } else if (!WORKSPACE_ID.test(id)) {
      r.fail(`${path}.id`, `"${id}" is not a workspace id (ws-...)`, set("id", "ws-AbCd1234"));
    }
  } else {
    if (project === undefined) {
      r.fail(
        `${path}.project`,
        "is required: an entry is a workspace (name and id) or a whole project (project and projectId)",
        `${set("name", "network-prod")} and ${set("id", "ws-...")}, or ${set("project", '"Data Team"')}`,
      );
    }
    if (projectId === undefined) {
      r.fail(
        `${path}.projectId`,
        "is required for a project entry: its roles bind terraform_project_id, so a renamed or re-created project with the same name is not trusted",
        `${set("projectId", "prj-AbCd1234")} (Projects > the project > Settings shows the id)`,
      );
    }
  }
  const projectName = project ?? vault.tfc.project;
  if (project !== undefined) {
    const problem = projectProblem(project);
    if (problem !== undefined)
      r.fail(`${path}.project`, `"${project}" ${problem}`, set("project", '"Default Project"'));
  }
  if (projectId !== undefined && !PROJECT_ID.test(projectId)) {
    r.fail(
      `${path}.projectId`,
      `"${projectId}" is not a project id (prj-...)`,
      set("projectId", "prj-AbCd1234"),
    );
  }
  const stem = kind === "workspace" ? nameSlug(name ?? `entry-${index}`) : `project-${nameSlug(projectName)}`;
  const roleNames = entryRoleNames(vault.engine.roleNamePrefix, stem);
  for (const phase of PHASES) {
    const roleName = roleNames[phase];
    if (!VAULT_NAME.test(roleName) || roleName.length > MAX_ROLE_NAME) {
      r.fail(
        `${path}.${kind === "workspace" ? "name" : "project"}`,
        `gives the Vault role name "${roleName}", which Vault refuses (letters, digits, _, - and . inside, at most ${MAX_ROLE_NAME} characters)`,
        `shorten ${r.fullKey(`${path}.${kind === "workspace" ? "name" : "project"}`)} or ${r.fullKey("vaultRoleNamePrefix")}`,
      );
    }
  }
  const phases = readEntryPhases(ctx, path, raw, credentialType);
  if (phases.plan.credentialType !== phases.apply.credentialType) {
    // Cannot differ (one credentialType per entry); kept as a guard for the hook contract.
    r.fail(`${path}.credentialType`, "differs between phases", set("credentialType", "iam_user"));
  }
  const resourceName = `onboard-${(kind === "workspace" ? id : projectId) ?? stem}`;
  const awsConfigurations = readTaggedList(
    ctx,
    path,
    raw,
    credentialType,
    vault.engine.roleNamePrefix,
    stem,
    resourceName,
  );
  return {
    kind,
    path,
    ...(name !== undefined ? { workspace: name } : {}),
    ...(id !== undefined ? { workspaceId: id } : {}),
    project: projectName,
    ...(projectId !== undefined ? { projectId } : {}),
    credentialType: phases.plan.credentialType,
    phases,
    roleNames,
    // From the id, not the name: renaming a workspace (or project) then updates the entry's
    // resources in place instead of creating a second set beside the first on the same workspace.
    resourceName,
    awsConfigurations,
  };
}

/** Two entries may not claim the same workspace, id, project or Vault role name. */
function checkUnique(r: ConfigReader, entries: readonly OnboardedEntry[], vault: VaultSide): void {
  const claimed = new Map<string, string>();
  /** Records the claim; false (after reporting it) when another entry made it first. */
  const claim = (what: string, value: string | undefined, path: string, field: string): boolean => {
    if (value === undefined) return true;
    const k = `${what}:${value.toLowerCase()}`;
    const first = claimed.get(k);
    if (first === undefined) {
      claimed.set(k, path);
      return true;
    }
    r.fail(
      `${path}.${field}`,
      `${what} "${value}" is already onboarded by ${first}; each workspace, project and Vault role belongs to one entry`,
      `remove one of the two entries from ${r.fullKey(WORKSPACES_KEY)}`,
    );
    return false;
  };
  const demo = `the demo workspace (${r.fullKey("tfcWorkspace")})`;
  claimed.set(`workspace:${vault.tfc.workspace.toLowerCase()}`, demo);
  for (const phase of PHASES) claimed.set(`Vault role:${vault.engine.roleNamePrefix}-${phase}`, demo);
  for (const e of entries) {
    const field = e.kind === "workspace" ? "name" : "project";
    // One problem per entry: the first claim it loses explains the rest (its role names, say).
    const claims = [
      () => claim("workspace", e.workspace, e.path, "name"),
      () => claim("workspace id", e.workspaceId, e.path, "id"),
      () => (e.kind === "project" ? claim("project", e.project, e.path, "project") : true),
      () => (e.kind === "project" ? claim("project id", e.projectId, e.path, "projectId") : true),
      ...PHASES.map((phase) => () => claim("Vault role", e.roleNames[phase], e.path, field)),
    ];
    claims.every((made) => made());
  }
}

/**
 * Reads `workspaces` (absent = none). Problems are recorded on `r`; the caller throws them all
 * with `r.throwIfInvalid()`.
 */
export function readOnboardedEntries(r: ConfigReader, vault: VaultSide): OnboardedEntry[] {
  const raw = r.json<unknown>(WORKSPACES_KEY, [], "a list of workspace entries");
  if (!Array.isArray(raw)) {
    r.fail(
      WORKSPACES_KEY,
      "must be a list of entries (YAML list of maps)",
      `edit ${r.fullKey(WORKSPACES_KEY)} in Pulumi.<stack>.yaml (see README, "Onboarding workspaces")`,
    );
    return [];
  }
  const ctx: Context = {
    r,
    vault,
    allowPlanWrites: r.boolean("allowPlanWrites", false),
    manageEngineIdentity: vault.engine.manageEngineIdentity,
  };
  const entries = raw
    .map((entry, i) => readEntry(ctx, i, entry))
    .filter((e): e is OnboardedEntry => e !== undefined);
  checkUnique(r, entries, vault);
  return entries;
}
