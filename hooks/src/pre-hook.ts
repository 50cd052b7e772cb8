/**
 * terraform-pre-plan / terraform-pre-apply: for each AWS configuration of the phase (the default
 * and one per tag; docs/hooks.md, "Several AWS configurations"), log in to Vault with its workload
 * identity token, read its AWS credentials, wait until AWS accepts them; save every lease for the
 * post hook, write the shared credentials files and hand the credentials back to the launcher,
 * which gives them to Terraform. All or nothing: any failure revokes what EVERY configuration
 * obtained and exits non-zero, so Terraform never starts without working credentials (fail closed);
 * what cannot be proven revoked stays in the state for the post hook.
 */
import { configurationLabel, flowInCharge, readConfigurations } from "./aws-configurations";
import type { PreSettings } from "./contract";
import { deleteCredentialsFiles, phaseCredentialsDir } from "./credentials-files";
import { Deadline, sleep } from "./deadline";
import { explainVaultError } from "./explain";
import { formatDuration, HookFailure, maskKeyId } from "./failure";
import { handBack, type Obtained } from "./hand-back";
import type { HookKind } from "./hook-name";
import { info, registerSecret } from "./output";
import { PhaseLedger } from "./phase-ledger";
import { waitUntilUsable } from "./readiness";
import { revokeHeld } from "./revocation";
import { startKeeper, stopKeeper } from "./keeper-control";
import { deleteKeeperRecord, keeperRecordPath, loadKeeperRecord } from "./keeper-record";
import { agentOf } from "./proc";
import { deleteState, loadState, requireRunId, stateDir, statePath } from "./state-file";
import { credentialsPath, isSts, login, readCredentials, sessionNameFor } from "./vault-api";
import { VaultClient } from "./vault-client";

export async function runPreHook(hook: HookKind, env: NodeJS.ProcessEnv, startedAt: number): Promise<void> {
  if (flowInCharge(env) === "native") {
    info(
      "TFC_VAULT_BACKED_AWS_AUTH=true: HCP Terraform's native Vault-backed AWS credentials are in charge; this hook does nothing",
    );
    return;
  }
  const configurations = readConfigurations(env, hook.phase);
  for (const c of configurations) registerSecret(c.jwt);
  const tagged = configurations.length > 1;
  const runId = requireRunId(env);
  const file = statePath(env, runId, hook.phase);
  const filesDir = phaseCredentialsDir(env, runId, hook.phase);
  const earlier = loadState(file);
  if (earlier?.status === "issued") {
    const leases = earlier.configurations.flatMap((c) => (c.lease ? [c.lease.leaseId] : []));
    throw new HookFailure(
      `lease ${leases.join(", ")} from an earlier terraform-pre-${hook.phase} of ${runId} was never revoked`,
      `run terraform-post-${hook.phase} (or revoke it by hand: vault lease revoke -sync ${leases[0] ?? "<lease id>"}) before starting this phase again`,
    );
  }
  const deadline = Deadline.forHook(hook, env, startedAt);
  const sleepSeconds = Math.max(...configurations.map((c) => c.sleepSeconds));
  if (sleepSeconds * 1000 >= deadline.remainingMs()) {
    throw new HookFailure(
      `TFC_VAULT_BACKED_AWS_SLEEP_SECONDS=${sleepSeconds} does not fit in the hook's budget (${deadline.source})`,
      `lower it, or raise TFC_AGENT_HOOK_PRE_${hook.phase.toUpperCase()}_TIMEOUT on the agent`,
    );
  }
  const ledger = new PhaseLedger(file, runId, hook.phase, filesDir);
  ledger.start(startedAt);
  const clients = configurations.map((c) => new VaultClient(c.vault, deadline));
  try {
    // Concurrently; every one runs to its end, so whatever any of them obtained is in the ledger.
    const results = await Promise.allSettled(
      configurations.map((c, i) => obtain(c, i, clients[i], ledger, hook, runId, deadline, env)),
    );
    const failedAt = results.findIndex((r) => r.status === "rejected");
    if (failedAt >= 0) {
      const reason = (results[failedAt] as PromiseRejectedResult).reason as unknown;
      throw tagged && reason instanceof HookFailure
        ? new HookFailure(`${configurationLabel(configurations[failedAt].tag)}: ${reason.what}`, reason.check)
        : reason;
    }
    const obtained = results.map((r) => (r as PromiseFulfilledResult<Obtained>).value);

    // Renewable credentials get a keeper; STS credentials cannot be renewed (docs/hooks.md, "The keeper").
    const renewable = obtained.filter((o) => !isSts(o.settings.authType));
    if (renewable.length > 0) {
      const agent = agentOf(process.pid, hook.name);
      if (agent === undefined)
        throw new HookFailure(
          "cannot find the agent process that ran this hook, so nothing could tell when its job is gone",
          "that the hook runs through its launcher in the agent's hooks directory (/proc must be readable)",
        );
      startKeeper(
        stateDir(env),
        keeperRecordPath(file),
        runId,
        hook.phase,
        agent,
        Math.min(
          ...renewable.map(
            (o) =>
              o.obtainedAt +
              (o.tokenSeconds > 0 ? Math.min(o.creds.leaseSeconds, o.tokenSeconds) : o.creds.leaseSeconds) *
                1000,
          ),
        ),
      );
    }
    const lines = handBack(filesDir, obtained);
    for (const o of obtained) {
      const s = o.settings;
      const expiry = isSts(s.authType)
        ? `, expires ${new Date(o.obtainedAt + o.creds.leaseSeconds * 1000).toISOString()}`
        : " (renewed while this phase runs)";
      info(
        `AWS credentials ready for ${hook.phase}${tagged ? `, ${configurationLabel(s.tag)}` : ""}: Vault role "${s.awsRole}", ${s.authType}, lease TTL ${formatDuration(o.creds.leaseSeconds)}${expiry}, ` +
          `usable after ${(o.ready.elapsedMs / 1000).toFixed(1)} s (${o.ready.probes} probes), key ${maskKeyId(o.creds.accessKeyId)}; ` +
          // Not secrets: the principal CloudTrail records and the run, side by side (docs/audit-trail.md).
          `run ${runId} acts as ${o.ready.arn === "" ? "(STS gave no ARN)" : o.ready.arn}`,
      );
    }
    // Last, and only on success: the launcher appends these lines to $TFC_AGENT_ENV.
    process.stdout.write(lines);
  } catch (err) {
    const hard = Deadline.hardLimit(hook, env, startedAt);
    for (const v of clients) v.setDeadline(hard);
    // A keeper must never renew what this hook gives up on.
    const keeper = loadKeeperRecord(keeperRecordPath(file));
    if (keeper !== undefined) await stopKeeper(keeper);
    deleteCredentialsFiles(filesDir);
    const held = ledger.entries();
    const outcomes = await Promise.all(held.map(([i, h]) => revokeHeld(clients[i], h)));
    const notes = outcomes.flatMap((o, k) =>
      o.ok
        ? []
        : [
            ` (and ${tagged ? `${configurationLabel(held[k][1].tag)}: ` : ""}${o.failure.what}; terraform-post-* tries again)`,
          ],
    );
    // Kept when something may still be live: the post hook tries again and reports it. Deleting
    // the state also stops a keeper this hook started (it exits when its state is gone).
    if (notes.length === 0) {
      deleteState(file);
      deleteKeeperRecord(keeperRecordPath(file));
    }
    if (err instanceof HookFailure && notes.length > 0)
      throw new HookFailure(err.what + notes.join(""), err.check);
    throw err;
  } finally {
    for (const v of clients) v.close();
  }
}

/** One configuration: login, credentials (recorded at once), readiness, the optional sleep. */
async function obtain(
  s: PreSettings,
  index: number,
  vault: VaultClient,
  ledger: PhaseLedger,
  hook: HookKind,
  runId: string,
  deadline: Deadline,
  env: NodeJS.ProcessEnv,
): Promise<Obtained> {
  const { token, ttlSeconds: tokenSeconds } = await step(
    `Vault login with role "${s.jwtRole}" on auth/${s.authPath}`,
    loginCheck(s),
    async () => {
      const result = await login(vault, s);
      registerSecret(result.token);
      return result;
    },
  );
  const loggedInAt = Date.now();
  const held = {
    ...(s.tag === undefined ? {} : { tag: s.tag }),
    vault: s.vault,
    token,
    authType: s.authType,
    awsRole: s.awsRole,
    tokenSeconds,
    ...(tokenSeconds > 0 ? { tokenExpiresAt: loggedInAt + tokenSeconds * 1000 } : {}),
  };
  ledger.set(index, held);
  const creds = await step(
    `reading AWS credentials from ${credentialsPath(s)}`,
    credsCheck(s, hook),
    async () => {
      const c = await readCredentials(vault, token, s, sessionNameFor(runId, hook.phase));
      registerSecret(c.accessKeyId); // printed only masked
      registerSecret(c.secretAccessKey);
      registerSecret(c.sessionToken);
      return c;
    },
  );
  const obtainedAt = Date.now();
  // Saved as soon as there is something to revoke: if the hook fails later or the agent kills
  // it at its timeout, the post hook still finds the lease and the token and revokes them.
  ledger.set(index, {
    ...held,
    lease: {
      leaseId: creds.leaseId,
      leaseSeconds: creds.leaseSeconds,
      expiresAt: obtainedAt + creds.leaseSeconds * 1000,
      maskedKeyId: maskKeyId(creds.accessKeyId),
    },
  });
  const ready = await waitUntilUsable(creds, s.authType === "iam_user" ? 3 : 1, deadline, env);
  if (s.sleepSeconds > 0) await sleep(Math.min(s.sleepSeconds * 1000, deadline.remainingMs()));
  return { settings: s, creds, ready, obtainedAt, tokenSeconds };
}

async function step<T>(what: string, statusCheck: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw explainVaultError(err, what, statusCheck);
  }
}

function loginCheck(s: PreSettings): string {
  const v = s.vaultConfig === undefined ? "" : `_${s.vaultConfig}`;
  return (
    `that the JWT role "${s.jwtRole}" on auth/${s.authPath}${s.vault.namespace ? ` in namespace ${s.vault.namespace}` : ""} exists and binds this ` +
    `organization, project, workspace and run phase, and that its bound_audiences include TFC_WORKLOAD_IDENTITY_AUDIENCE${v}`
  );
}

function credsCheck(s: PreSettings, hook: HookKind): string {
  const P = hook.phase.toUpperCase();
  const t = s.tag === undefined ? "" : `_${s.tag}`;
  return (
    `that the ${hook.phase} policy of JWT role "${s.jwtRole}" grants read on ${credentialsPath(s)} (a plan token never reads apply credentials) ` +
    `and that TFC_VAULT_BACKED_AWS_${P}_VAULT_ROLE${t}, TFC_VAULT_BACKED_AWS_AUTH_TYPE${t} (${s.authType}) and TFC_VAULT_BACKED_AWS_${P}_ROLE_ARN${t} match the AWS secrets engine role`
  );
}
