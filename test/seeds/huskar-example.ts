// Huskar's "Example delivery" (../shared/seeds/huskar-webhook.txt), verbatim: the seed test and the
// payload-applications unit test both read it.
export const UPDATE_SWITCH = {
  application_names: ["test.webhook"],
  username: "san.zhang",
  user_type: 0,
  severity: 1,
  action_name: "UPDATE_SWITCH",
  action_data: { application_name: "test.webhook", cluster_name: "overall", key: "test" },
};
