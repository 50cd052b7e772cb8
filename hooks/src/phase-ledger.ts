/**
 * What a pre hook holds while its AWS configurations log in and read credentials, possibly at the
 * same time: every Vault token and lease, by configuration, written to the phase's state file as
 * soon as the first lease exists (before that the state says "started"), so the post hook (or the
 * failing pre hook itself) can revoke all of them (docs/hooks.md, "Several AWS configurations").
 */
import type { Phase } from "./hook-name";
import { type HeldConfiguration, saveState } from "./state-file";

export class PhaseLedger {
  private readonly held = new Map<number, HeldConfiguration>();

  constructor(
    private readonly file: string,
    private readonly runId: string,
    private readonly phase: Phase,
    readonly credentialsDir: string,
  ) {}

  /** From here on the post hook knows the pre hook ran, even if the agent kills it. */
  start(startedAt: number): void {
    saveState(this.file, { version: 3, status: "started", runId: this.runId, phase: this.phase, startedAt });
  }

  /** Records (or updates) configuration `index`, and saves the state once any lease is held. */
  set(index: number, held: HeldConfiguration): void {
    this.held.set(index, held);
    const configurations = this.entries().map(([, h]) => h);
    if (configurations.some((h) => h.lease !== undefined))
      saveState(this.file, {
        version: 3,
        status: "issued",
        runId: this.runId,
        phase: this.phase,
        configurations,
        credentialsDir: this.credentialsDir,
      });
  }

  /** Every configuration that holds something, with its index, in configuration order. */
  entries(): Array<[number, HeldConfiguration]> {
    return [...this.held.entries()].sort((a, b) => a[0] - b[0]);
  }
}
