/**
 * The shared credentials files a phase hands to Terraform (docs/hooks.md, "Several AWS
 * configurations"): one per AWS configuration, in `<credentials dir>/<run id>-<phase>/`, written by
 * the hooks' user (directory 0755, files 0444), so the run (another user) can read them but never
 * change, replace or delete them. The AWS provider reads the `[default]` profile of the file named in
 * `shared_credentials_files` or `AWS_SHARED_CREDENTIALS_FILE` (docs/upstream-behaviour.md,
 * "Tagged configurations"). The post hook (or the keeper, when the job is gone) deletes the dir.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CREDENTIALS_DIR_VARIABLE } from "./contract";
import { HookFailure } from "./failure";
import { ownedDir } from "./owned-dir";
import type { Phase } from "./hook-name";

export interface FileCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** `credentials` for the default configuration, `credentials_<TAG>` for a tag (no clash possible). */
export function credentialsFileName(tag: string | undefined): string {
  return tag === undefined ? "credentials" : `credentials_${tag}`;
}

/** The phase's directory under the checked credentials dir (owned by this user, written by no other). */
export function phaseCredentialsDir(env: NodeJS.ProcessEnv, runId: string, phase: Phase): string {
  const dir = ownedDir(env, {
    variable: CREDENTIALS_DIR_VARIABLE,
    name: "credentials",
    purpose: "place for the shared credentials files",
    forbiddenMode: 0o022,
    notOwned: "not the hooks' user's alone to write",
    imageMode: "0755",
  });
  return path.join(dir, `${runId}-${phase}`);
}

function iniFile(c: FileCredentials): string {
  for (const v of [c.accessKeyId, c.secretAccessKey, c.sessionToken])
    if (v !== undefined && /[\r\n[\]]/.test(v))
      throw new HookFailure(
        "AWS credentials with a line break cannot be written to a file",
        "the Vault AWS secrets engine's answer",
      );
  return [
    "[default]",
    `aws_access_key_id = ${c.accessKeyId}`,
    `aws_secret_access_key = ${c.secretAccessKey}`,
    ...(c.sessionToken === undefined ? [] : [`aws_session_token = ${c.sessionToken}`]),
    "",
  ].join("\n");
}

/**
 * Writes one file per configuration into a fresh `dir` (whatever an earlier attempt left is
 * removed first: only this user can write there) and returns each file's path, by file name.
 */
export function writeCredentialsFiles(
  dir: string,
  files: ReadonlyArray<{ readonly name: string; readonly credentials: FileCredentials }>,
): Map<string, string> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  const written = new Map<string, string>();
  for (const { name, credentials } of files) {
    const file = path.join(dir, name);
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o444);
    try {
      fs.writeSync(fd, iniFile(credentials));
      fs.fchmodSync(fd, 0o444);
    } finally {
      fs.closeSync(fd);
    }
    written.set(name, file);
  }
  return written;
}

/** Removes the phase's files; nothing there is fine. */
export function deleteCredentialsFiles(dir: string | undefined): void {
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
}
