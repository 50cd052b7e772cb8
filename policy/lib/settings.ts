/**
 * Policy configuration with defaults applied. `pulumi preview --policy-pack` sends each policy's
 * config (schema defaults filled in by the engine), but a pack run without a config file, and
 * the unit tests, get `{}` from `getConfig()`: the defaults must live in the policy too.
 */
export function settingsOf<T extends object>(args: { getConfig<C extends object>(): C }, defaults: T): T {
  const given = args.getConfig<Partial<T>>();
  const merged = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof T)[]) {
    const value = given[key];
    if (value !== undefined && value !== null) merged[key] = value;
  }
  return merged;
}
