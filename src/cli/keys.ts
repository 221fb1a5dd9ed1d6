import { unwrap, type ApiKey, type ApiScope } from "../client";
import { byIdCommand, list, type Command } from "./command";
import { out, printJson, style, table } from "./format";
import { EXIT } from "./exit";

// `hookrouter keys list|create|revoke`: the account's API keys, managed with the CLI's own key
// (/v1/keys), which mints and revokes only keys no stronger than itself.

const scopesOf = (k: ApiKey) => (k.scopes === null ? style.dim("all") : k.scopes.join(","));
const applicationsOf = (k: ApiKey) => (k.applications === null ? style.dim("any") : k.applications.join(","));

const keysList: Command = {
  words: ["keys", "list"],
  summary: "List the account's API keys with their scopes and applications (never the keys themselves)",
  usage: "keys list [--json]",
  options: {},
  positionals: { min: 0, max: 0, names: "" },
  async run({ api, json }) {
    const { data } = await unwrap(api.v1.keys.$get());
    if (json) printJson({ data });
    else out(table(["ID", "NAME", "PREFIX", "SCOPES", "APPLICATIONS", "REVOKED"], data.map((k) => [k.id, k.name, k.prefix, scopesOf(k), applicationsOf(k), k.revoked_at])));
    return EXIT.ok;
  },
};

const keysCreate: Command = {
  words: ["keys", "create"],
  summary: "Create an API key no stronger than the CLI's own; prints the key once",
  usage: "keys create NAME [--scope S]… [--application A]… [--json]",
  details: [
    "--scope S         a scope the key holds (repeatable or comma-separated: hooks:read,events:publish);",
    "                  left out: the CLI key's own. The scopes are listed in docs/api.md (Scopes)",
    "--application A   bind the key to an application (repeatable): what it publishes is labelled with",
    "                  its applications, and it cannot publish for others; left out: the CLI key's own",
  ].join("\n"),
  options: { scope: { type: "string", multiple: true }, application: { type: "string", multiple: true } },
  positionals: { min: 1, max: 1, names: "NAME" },
  async run({ api, args, flags, json }) {
    const created = await unwrap(
      api.v1.keys.$post({ json: { name: args[0]!, scopes: list(flags, "scope") as ApiScope[] | undefined, applications: list(flags, "application") } }),
    );
    if (json) printJson(created);
    else {
      out(`${created.id}  scopes ${scopesOf(created)}  applications ${applicationsOf(created)}`);
      out(created.key);
      out(style.dim("the key is shown only now: store it"));
    }
    return EXIT.ok;
  },
};

const keysRevoke = byIdCommand({
  words: ["keys", "revoke"],
  summary: "Revoke an API key of the account: it is refused from then on",
  idName: "KEY_ID",
  call: (api, id) => unwrap(api.v1.keys[":id"].$delete({ param: { id } })),
  show: (k) => `revoked ${k.id} (${k.name})`,
});

export const keyCommands = [keysList, keysCreate, keysRevoke];
