-- Seed fidelity (issue 20): what Vydon, MLflow, ricloud and Huskar do that hookrouter did differently.
-- The user a producer acted for (Vydon's created_by_user_id / updated_by_user_id), next to the API key.
ALTER TABLE `hooks` ADD `created_by_user_id` text;
--> statement-breakpoint
ALTER TABLE `hooks` ADD `updated_by_user_id` text;
--> statement-breakpoint
-- MLflow's optional secret: a hook may deliver unsigned, only while its account allows it.
ALTER TABLE `hooks` ADD `signed` integer DEFAULT 1 NOT NULL;
--> statement-breakpoint
ALTER TABLE `accounts` ADD `allow_unsigned_deliveries` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
-- Huskar: where in an event's payload its applications are (`application_names`), per cataloged type.
ALTER TABLE `event_types` ADD `applications_path` text;
--> statement-breakpoint
-- Fan-out keeps the catalog in isolate memory: a new applications path must invalidate that copy too.
DROP TRIGGER `event_types_fanout_update`;
--> statement-breakpoint
CREATE TRIGGER `event_types_fanout_update` AFTER UPDATE OF `application_level`, `name`, `applications_path` ON `event_types` BEGIN
  UPDATE `accounts` SET `fanout_version` = `fanout_version` + 1 WHERE `id` = NEW.`account_id`;
END;
