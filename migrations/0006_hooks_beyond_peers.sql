-- Hooks beyond the peers (issue 19): content filters, payload transformations and signing profiles
-- on hooks; the embeddable portal's settings on accounts.
ALTER TABLE `hooks` ADD `filter` text;
--> statement-breakpoint
ALTER TABLE `hooks` ADD `transform` text;
--> statement-breakpoint
-- `v1`: HMAC-SHA256 with a symmetric secret; `v1a`: ed25519 (the sealed secret is a `whsk_` key).
ALTER TABLE `hooks` ADD `signing_scheme` text DEFAULT 'v1' NOT NULL;
--> statement-breakpoint
-- The `whpk_` public key of a `v1a` hook (not secret: receivers verify with it).
ALTER TABLE `hooks` ADD `public_key` text;
--> statement-breakpoint
ALTER TABLE `accounts` ADD `portal_settings` text;
--> statement-breakpoint
-- Fan-out reads a hook's filter now: changing it must bump the account's fanout_version too.
DROP TRIGGER `hooks_fanout_update`;
--> statement-breakpoint
CREATE TRIGGER `hooks_fanout_update` AFTER UPDATE OF `events`, `applications`, `fallback`, `phase`, `enabled`, `state`, `filter` ON `hooks` BEGIN
  UPDATE `accounts` SET `fanout_version` = `fanout_version` + 1 WHERE `id` = NEW.`account_id`;
END;
