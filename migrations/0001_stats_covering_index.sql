DROP INDEX `deliveries_account_created`;--> statement-breakpoint
CREATE INDEX `deliveries_account_created_hook` ON `deliveries` (`account_id`,`created_at`,`hook_id`,`status`);