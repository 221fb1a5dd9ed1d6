DROP INDEX `deliveries_account_created_hook`;--> statement-breakpoint
CREATE INDEX `deliveries_account_hour_hook` ON `deliveries` (`account_id`,substr(`created_at`, 1, 13),`hook_id`,`status`,`created_at`);
