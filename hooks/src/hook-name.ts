/** The four agent hook names and what each one does. */
export type Phase = "plan" | "apply";

export interface HookKind {
  readonly name: string;
  readonly stage: "pre" | "post";
  readonly phase: Phase;
}

const NAME = /^terraform-(pre|post)-(plan|apply)$/;

/** The hook this process is, from the file name it was invoked as; undefined if none. */
export function hookFromPath(invokedAs: string): HookKind | undefined {
  const base = invokedAs.split(/[\\/]/).pop() ?? "";
  const m = NAME.exec(base.replace(/\.(c?js)$/, ""));
  if (!m) return undefined;
  return { name: m[0], stage: m[1] as "pre" | "post", phase: m[2] as Phase };
}
