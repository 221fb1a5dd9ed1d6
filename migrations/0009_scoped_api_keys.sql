-- Scoped API keys (issue 19, item 4): the scopes a key holds and the applications it is bound to, as
-- JSON arrays. NULL is everything: every existing key keeps full access. Read with the key on every
-- request (the one D1 read authentication already does), so no index.
ALTER TABLE `api_keys` ADD `scopes` text;
--> statement-breakpoint
ALTER TABLE `api_keys` ADD `applications` text;
