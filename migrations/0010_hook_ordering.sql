-- Ordered delivery per hook (issue 18): `fifo` hands the receiver one delivery at a time, in publish
-- order, through the hook's HookState object (docs/delivery.md, "Ordered delivery"). `ordering_on_dead`:
-- whether a dead delivery blocks the line (`block`) or is passed over (`skip`).
ALTER TABLE `hooks` ADD `ordering` text DEFAULT 'none' NOT NULL;
--> statement-breakpoint
ALTER TABLE `hooks` ADD `ordering_on_dead` text DEFAULT 'skip' NOT NULL;
--> statement-breakpoint
-- Publishing reads `ordering` from the fan-out snapshot (a FIFO delivery joins its hook's line before
-- the answer): changing it must bump the account's fanout_version too.
DROP TRIGGER `hooks_fanout_update`;
--> statement-breakpoint
CREATE TRIGGER `hooks_fanout_update` AFTER UPDATE OF `events`, `applications`, `fallback`, `phase`, `enabled`, `state`, `filter`, `ordering` ON `hooks` BEGIN
  UPDATE `accounts` SET `fanout_version` = `fanout_version` + 1 WHERE `id` = NEW.`account_id`;
END;
