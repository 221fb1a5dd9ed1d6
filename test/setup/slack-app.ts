// The Slack app the tests register with the fake Slack (test/setup/fake-slack-server.ts) and give
// the Worker as SLACK_* bindings (vitest.config.ts): both sides must agree, as with real Slack.
export const SLACK_TEST_APP = {
  clientId: "1111111111.2222222222",
  clientSecret: "fake-slack-client-secret-0123456789",
  redirectUri: "https://hookrouter.test/v1/slack/oauth/callback",
};

/** The Worker's Slack bindings for a fake Slack listening on `port`. */
export function slackBindingsFor(port: number): Record<string, string> {
  return {
    SLACK_CLIENT_ID: SLACK_TEST_APP.clientId,
    SLACK_CLIENT_SECRET: SLACK_TEST_APP.clientSecret,
    SLACK_REDIRECT_URI: SLACK_TEST_APP.redirectUri,
    SLACK_API_BASE: `http://127.0.0.1:${port}/api`,
    SLACK_AUTHORIZE_URL: `http://127.0.0.1:${port}/oauth/v2/authorize`,
  };
}
