// MLflow names its events as `{entity, action}` pairs (MODEL_VERSION + CREATED); hookrouter names
// them with one string. A pair is accepted wherever an event name is (a hook's `events`, a publish's
// `type`, a test's `event_type`) and mapped to ONE canonical name, `entity.action` in lower case:
// MLflow's own string form (`model_version.created`). So the enum names and MLflow's lower-case
// values, in any letter case, all name the same event. The seed's UNSPECIFIED values (and `*`) are
// wildcards in a subscription (`model_version.*`, `*.created`, `*`), never in a published event.

/** mlflow/protos/webhooks.proto, WebhookEntity (ENTITY_UNSPECIFIED aside). */
export const PAIR_ENTITIES = [
  "REGISTERED_MODEL",
  "MODEL_VERSION",
  "MODEL_VERSION_TAG",
  "MODEL_VERSION_ALIAS",
  "PROMPT",
  "PROMPT_VERSION",
  "PROMPT_TAG",
  "PROMPT_VERSION_TAG",
  "PROMPT_ALIAS",
  "BUDGET_POLICY",
] as const;

/** mlflow/protos/webhooks.proto, WebhookAction (ACTION_UNSPECIFIED aside). */
export const PAIR_ACTIONS = ["CREATED", "UPDATED", "DELETED", "SET", "EXCEEDED"] as const;

const ANY_ENTITY = new Set(["ENTITY_UNSPECIFIED", "*"]);
const ANY_ACTION = new Set(["ACTION_UNSPECIFIED", "*"]);

export interface EventPair {
  entity: string;
  action: string;
}

export type PairNaming = { ok: true; name: string } | { ok: false; path: "entity" | "action"; message: string };

/**
 * The canonical name of an `{entity, action}` pair. `wildcards`: a subscription may leave the entity
 * or the action unspecified; an event that happened may not.
 */
export function eventNameOfPair(pair: EventPair, wildcards: boolean): PairNaming {
  const entity = pair.entity.trim().toUpperCase();
  const action = pair.action.trim().toUpperCase();
  const anyEntity = ANY_ENTITY.has(entity);
  const anyAction = ANY_ACTION.has(action);
  if (!anyEntity && !(PAIR_ENTITIES as readonly string[]).includes(entity)) {
    return { ok: false, path: "entity", message: `not an MLflow webhook entity: one of ${PAIR_ENTITIES.join(", ")}${wildcards ? ", or ENTITY_UNSPECIFIED (any)" : ""}` };
  }
  if (!anyAction && !(PAIR_ACTIONS as readonly string[]).includes(action)) {
    return { ok: false, path: "action", message: `not an MLflow webhook action: one of ${PAIR_ACTIONS.join(", ")}${wildcards ? ", or ACTION_UNSPECIFIED (any)" : ""}` };
  }
  if (!wildcards && (anyEntity || anyAction)) {
    return { ok: false, path: anyEntity ? "entity" : "action", message: "an event names one entity and one action; ENTITY_UNSPECIFIED, ACTION_UNSPECIFIED and * only subscribe" };
  }
  if (anyEntity && anyAction) return { ok: true, name: "*" };
  return { ok: true, name: `${anyEntity ? "*" : entity.toLowerCase()}.${anyAction ? "*" : action.toLowerCase()}` };
}
