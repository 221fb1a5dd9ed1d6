// The warning above every view when the account is not fully covered (GET /v1/account/health):
// ricloud's rule that an organisation needs a valid configuration, per application and for the
// organisation default. Hidden while everything is covered.

import { api } from "./api.mjs";
import { h, replace } from "./ui.mjs";

export async function showHealth(box) {
  let health;
  try {
    health = await api("GET", "/v1/account/health");
  } catch {
    box.hidden = true; // the view reports API errors; this banner is advice only
    return;
  }
  if (health.ok) {
    replace(box);
    box.hidden = true;
    return;
  }
  replace(
    box,
    h("strong", null, "Not every application has a valid hook."),
    h("span", null, " A hook is valid once its endpoint test succeeds (Hooks → Test):"),
    h("ul", null, health.problems.map((p) => h("li", null, p))),
  );
  box.hidden = false;
}
