-- The delivery log moves out of D1 (issue "The delivery log at edge scale"): events, deliveries,
-- attempts, gate runs and idempotency claims now live in the DeliveryLog Durable Objects, one per
-- (account, shard). D1 keeps the management data. An upgrade keeps accounts, API keys, hooks, the
-- event-type catalog and Slack connections; the old delivery history is dropped (docs/architecture.md).
ALTER TABLE `accounts` ADD `log_shards` integer DEFAULT 1 NOT NULL;
--> statement-breakpoint
ALTER TABLE `accounts` ADD `retention_days` integer DEFAULT 30 NOT NULL;
--> statement-breakpoint
-- Bumped by the triggers below whenever anything fan-out reads changes (a hook's matching columns,
-- the catalog): a publish compares it, read with the API key in one statement, to its cached copy.
ALTER TABLE `accounts` ADD `fanout_version` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
CREATE TRIGGER `hooks_fanout_insert` AFTER INSERT ON `hooks` BEGIN
  UPDATE `accounts` SET `fanout_version` = `fanout_version` + 1 WHERE `id` = NEW.`account_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `hooks_fanout_delete` AFTER DELETE ON `hooks` BEGIN
  UPDATE `accounts` SET `fanout_version` = `fanout_version` + 1 WHERE `id` = OLD.`account_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `hooks_fanout_update` AFTER UPDATE OF `events`, `applications`, `fallback`, `phase`, `enabled`, `state` ON `hooks` BEGIN
  UPDATE `accounts` SET `fanout_version` = `fanout_version` + 1 WHERE `id` = NEW.`account_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `event_types_fanout_insert` AFTER INSERT ON `event_types` BEGIN
  UPDATE `accounts` SET `fanout_version` = `fanout_version` + 1 WHERE `id` = NEW.`account_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `event_types_fanout_delete` AFTER DELETE ON `event_types` BEGIN
  UPDATE `accounts` SET `fanout_version` = `fanout_version` + 1 WHERE `id` = OLD.`account_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `event_types_fanout_update` AFTER UPDATE OF `application_level`, `name` ON `event_types` BEGIN
  UPDATE `accounts` SET `fanout_version` = `fanout_version` + 1 WHERE `id` = NEW.`account_id`;
END;
--> statement-breakpoint
DROP TABLE `attempts`;
--> statement-breakpoint
DROP TABLE `deliveries`;
--> statement-breakpoint
DROP TABLE `gate_runs`;
--> statement-breakpoint
DROP TABLE `idempotency_keys`;
--> statement-breakpoint
DROP TABLE `events`;
