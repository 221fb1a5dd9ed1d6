-- A hook's own delivery policy (issue 18): NULL keeps the deployment's default for each.
-- retry_schedule: JSON array of seconds (at most 20, each at most 43200); delivery_timeout_ms: at
-- most DELIVERY_TIMEOUT_MS; final_statuses: JSON array of statuses or the string "client_errors".
-- Not fan-out data: no trigger bumps fanout_version for them (the consumer reads the hook row).
ALTER TABLE `hooks` ADD `retry_schedule` text;
--> statement-breakpoint
ALTER TABLE `hooks` ADD `delivery_timeout_ms` integer;
--> statement-breakpoint
ALTER TABLE `hooks` ADD `final_statuses` text;
