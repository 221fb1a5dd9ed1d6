// ricloud: "an organisation needs at least one webhook config in the `valid` state to be usable", and
// each API key uses its own config or else the organisation default. In hookrouter terms: does every
// application, and the account's default (the hooks without applications: site-level and fallback
// hooks, which take the events of an application that has no hook of its own), have a hook that
// passed its endpoint test? Pure: GET /v1/account/health reads the hooks and asks this.

export interface HealthHook {
  applications: string[] | null;
  phase: "post" | "pre";
  enabled: boolean;
  state: "new" | "valid" | "invalid" | "deactivated";
}

export interface CoverageCount {
  /** Live (enabled, not retired) post hooks. */
  hooks: number;
  /** Of those, the ones in state `valid`. */
  valid_hooks: number;
  valid: boolean;
}

export interface ApplicationCoverage extends CoverageCount {
  application: string;
}

export interface ConfigurationHealth {
  ok: boolean;
  default: CoverageCount;
  applications: ApplicationCoverage[];
  /** One sentence per problem, for people (the portal shows them). */
  problems: string[];
}

/** A hook that receives deliveries now (gates are asked, not delivered to: they are left out). */
const isLive = (h: HealthHook) => h.phase === "post" && h.enabled && h.state !== "deactivated";

function count(hooks: HealthHook[]): Omit<CoverageCount, "valid"> & { notValid: string } {
  const byState = new Map<string, number>();
  for (const h of hooks) byState.set(h.state, (byState.get(h.state) ?? 0) + 1);
  const valid = byState.get("valid") ?? 0;
  const notValid = [...byState].filter(([s]) => s !== "valid").map(([s, n]) => `${n} ${s}`).join(", ");
  return { hooks: hooks.length, valid_hooks: valid, notValid };
}

/**
 * `scope`: a portal session's applications. Then only those are reported (each, even one without any
 * hook) and the answer is ok when each of them is; the default is shown, since they fall back on it.
 */
export function configurationHealth(hooks: readonly HealthHook[], scope: readonly string[] | null = null): ConfigurationHealth {
  const live = hooks.filter(isLive);
  const problems: string[] = [];

  const defaults = count(live.filter((h) => h.applications === null));
  const defaultValid = defaults.valid_hooks > 0;
  if (!defaultValid && scope === null) {
    problems.push(
      defaults.hooks === 0
        ? "no organisation default: no enabled hook without applications (site-level or fallback), so events of an application without a valid hook of its own reach no one"
        : `the organisation default has no valid hook: its ${defaults.hooks} enabled hook(s) without applications are ${defaults.notValid}`,
    );
  }

  const names = new Set<string>(scope ?? []);
  if (scope === null) for (const h of live) for (const a of h.applications ?? []) names.add(a);
  const applications = [...names].sort().map((application): ApplicationCoverage => {
    const own = count(live.filter((h) => h.applications?.includes(application)));
    // Without a hook of its own, an application's events go to the default.
    const valid = own.valid_hooks > 0 || (own.hooks === 0 && defaultValid);
    if (!valid) {
      problems.push(
        own.hooks === 0
          ? `${application}: no hook of its own, and the organisation default has no valid hook`
          : `${application}: ${own.hooks} enabled hook(s), none valid (${own.notValid}): the fallback steps aside for them`,
      );
    }
    return { application, hooks: own.hooks, valid_hooks: own.valid_hooks, valid };
  });

  return {
    ok: problems.length === 0,
    default: { hooks: defaults.hooks, valid_hooks: defaults.valid_hooks, valid: defaultValid },
    applications,
    problems,
  };
}
