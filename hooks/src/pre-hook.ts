/**
 * terraform-pre-plan / terraform-pre-apply: log in to Vault with the run's workload identity
 * token, read this phase's AWS credentials, wait until AWS accepts them, save the lease for the
 * post hook, and hand the credentials back to the launcher, which gives them to Terraform. Any
 * failure revokes what was obtained and exits non-zero, so Terraform never starts without working
 * credentials (fail closed); what cannot be proven revoked stays in the state for the post hook.
 */
import { credentialLines } from "./agent-env";
import { nativeFlowEnabled, readPreSettings, type PreSettings } from "./contract";
import { Deadline, sleep } from "./deadline";
import { explainVaultError } from "./explain";
import { formatDuration, HookFailure, maskKeyId } from "./failure";
import type { HookKind } from "./hook-name";
import { info, registerSecret } from "./output";
import { waitUntilUsable } from "./readiness";
import { revokeWithProof } from "./revocation";
import { startKeeper, stopKeeper } from "./keeper-control";
import { deleteKeeperRecord, keeperRecordPath, loadKeeperRecord } from "./keeper-record";
import { agentOf } from "./proc";
import { deleteState, loadState, requireRunId, saveState, stateDir, statePath } from "./state-file";
import {
  type AwsCredentials,
  credentialsPath,
  isSts,
  login,
  readCredentials,
  revokeSelf,
  sessionNameFor,
} from "./vault-api";
import { VaultClient } from "./vault-client";

export async function runPreHook(hook: HookKind, env: NodeJS.ProcessEnv, startedAt: number): Promise<void> {
  if (nativeFlowEnabled(env)) {
    info(
      "TFC_VAULT_BACKED_AWS_AUTH=true: HCP Terraform's native Vault-backed AWS credentials are in charge; this hook does nothing",
    );
    return;
  }
  const settings = readPreSettings(env, hook.phase);
  registerSecret(settings.jwt);
  const runId = requireRunId(env);
  const file = statePath(env, runId, hook.phase);
  const earlier = loadState(file);
  if (earlier?.status === "issued") {
    throw new HookFailure(
      `lease ${earlier.leaseId} from an earlier terraform-pre-${hook.phase} of ${runId} was never revoked`,
      `run terraform-post-${hook.phase} (or revoke it by hand: vault lease revoke -sync ${earlier.leaseId}) before starting this phase again`,
    );
  }
  const deadline = Deadline.forHook(hook, env, startedAt);
  if (settings.sleepSeconds * 1000 >= deadline.remainingMs()) {
    throw new HookFailure(
      `TFC_VAULT_BACKED_AWS_SLEEP_SECONDS=${settings.sleepSeconds} does not fit in the hook's budget (${deadline.source})`,
      `lower it, or raise TFC_AGENT_HOOK_PRE_${hook.phase.toUpperCase()}_TIMEOUT on the agent`,
    );
  }
  // From here on the post hook knows this pre hook ran, even if the agent kills it.
  saveState(file, { version: 2, status: "started", runId, phase: hook.phase, startedAt });
  const vault = new VaultClient(settings.vault, deadline);
  let token: string | undefined;
  let tokenSeconds = 0;
  let creds: AwsCredentials | undefined;
  try {
    token = await step(
      `Vault login with role "${settings.jwtRole}" on auth/${settings.authPath}`,
      loginCheck(settings),
      async () => {
        const result = await login(vault, settings);
        registerSecret(result.token);
        tokenSeconds = result.ttlSeconds;
        return result.token;
      },
    );
    const loggedIn = token;
    const credsPath = credentialsPath(settings);
    creds = await step(`reading AWS credentials from ${credsPath}`, credsCheck(settings, hook), async () => {
      const c = await readCredentials(vault, loggedIn, settings, sessionNameFor(runId, hook.phase));
      registerSecret(c.accessKeyId); // printed only masked
      registerSecret(c.secretAccessKey);
      registerSecret(c.sessionToken);
      return c;
    });
    const obtainedAt = Date.now();
    // Saved as soon as there is something to revoke: if the hook fails later or the agent kills
    // it at its timeout, the post hook still finds the lease and the token and revokes them.
    saveState(file, {
      version: 2,
      status: "issued",
      runId,
      phase: hook.phase,
      vault: settings.vault,
      token: loggedIn,
      leaseId: creds.leaseId,
      authType: settings.authType,
      awsRole: settings.awsRole,
      expiresAt: obtainedAt + creds.leaseSeconds * 1000,
      maskedKeyId: maskKeyId(creds.accessKeyId),
      leaseSeconds: creds.leaseSeconds,
      tokenSeconds,
      ...(tokenSeconds > 0 ? { tokenExpiresAt: obtainedAt + tokenSeconds * 1000 } : {}),
    });
    const ready = await waitUntilUsable(creds, settings.authType === "iam_user" ? 3 : 1, deadline, env);
    if (settings.sleepSeconds > 0)
      await sleep(Math.min(settings.sleepSeconds * 1000, deadline.remainingMs()));

    // Renewable credentials get a keeper; STS credentials cannot be renewed (docs/hooks.md, "The keeper").
    if (!isSts(settings.authType)) {
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
        obtainedAt +
          (tokenSeconds > 0 ? Math.min(creds.leaseSeconds, tokenSeconds) : creds.leaseSeconds) * 1000,
      );
    }

    const handBack = credentialLines({
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      ...(creds.sessionToken ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}),
      // Best effort: asks the agent to give Terraform an empty workload identity token, so run code
      // cannot replay it (whether the agent honours this override is unconfirmed; docs/upstream-behaviour.md).
      TFC_WORKLOAD_IDENTITY_TOKEN: "",
    });
    const expiry = isSts(settings.authType)
      ? `, expires ${new Date(obtainedAt + creds.leaseSeconds * 1000).toISOString()}`
      : " (renewed while this phase runs)";
    info(
      `AWS credentials ready for ${hook.phase}: Vault role "${settings.awsRole}", ${settings.authType}, lease TTL ${formatDuration(creds.leaseSeconds)}${expiry}, ` +
        `usable after ${(ready.elapsedMs / 1000).toFixed(1)} s (${ready.probes} probes), key ${maskKeyId(creds.accessKeyId)}; ` +
        // Not secrets: the principal CloudTrail records and the run, side by side (docs/audit-trail.md).
        `run ${runId} acts as ${ready.arn === "" ? "(STS gave no ARN)" : ready.arn}`,
    );
    // Last, and only on success: the launcher appends these lines to $TFC_AGENT_ENV.
    process.stdout.write(handBack);
  } catch (err) {
    vault.setDeadline(Deadline.hardLimit(hook, env, startedAt));
    // A keeper must never renew what this hook gives up on.
    const keeper = loadKeeperRecord(keeperRecordPath(file));
    if (keeper !== undefined) await stopKeeper(keeper);
    const cleanup = token === undefined ? { note: "", clean: true } : await undo(vault, token, creds);
    // Kept when something may still be live: the post hook tries again and reports it. Deleting
    // the state also stops a keeper this hook started (it exits when its state is gone).
    if (cleanup.clean) {
      deleteState(file);
      deleteKeeperRecord(keeperRecordPath(file));
    }
    if (err instanceof HookFailure && cleanup.note !== "")
      throw new HookFailure(err.what + cleanup.note, err.check);
    throw err;
  } finally {
    vault.close();
  }
}

async function step<T>(what: string, statusCheck: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw explainVaultError(err, what, statusCheck);
  }
}

/**
 * Revokes what a failed pre hook obtained: the lease (sync, proven gone by a lookup) and the token
 * (which also revokes any lease we did not learn about, e.g. when the credentials answer was
 * unreadable). Returns a note for the error line, empty when everything was revoked.
 */
async function undo(
  vault: VaultClient,
  token: string,
  creds: AwsCredentials | undefined,
): Promise<{ note: string; clean: boolean }> {
  let note = "";
  let clean = true;
  if (creds !== undefined) {
    const r = await revokeWithProof(vault, token, creds.leaseId);
    if (!r.gone) {
      clean = false;
      note = ` (and lease ${creds.leaseId} is not confirmed revoked: it stays valid for up to ${formatDuration(r.ttlSeconds ?? creds.leaseSeconds)}; terraform-post-* tries again)`;
    }
  }
  try {
    await revokeSelf(vault, token);
  } catch {
    clean = false;
    note += " (and the Vault token could not be revoked: it ends at its TTL)";
  }
  return { note, clean };
}

function loginCheck(s: PreSettings): string {
  return (
    `that the JWT role "${s.jwtRole}" on auth/${s.authPath}${s.vault.namespace ? ` in namespace ${s.vault.namespace}` : ""} exists and binds this ` +
    "organization, project, workspace and run phase, and that its bound_audiences include TFC_WORKLOAD_IDENTITY_AUDIENCE"
  );
}

function credsCheck(s: PreSettings, hook: HookKind): string {
  const P = hook.phase.toUpperCase();
  return (
    `that the ${hook.phase} policy of JWT role "${s.jwtRole}" grants read on ${credentialsPath(s)} (a plan token never reads apply credentials) ` +
    `and that TFC_VAULT_BACKED_AWS_${P}_VAULT_ROLE, TFC_VAULT_BACKED_AWS_AUTH_TYPE (${s.authType}) and TFC_VAULT_BACKED_AWS_${P}_ROLE_ARN match the AWS secrets engine role`
  );
}
