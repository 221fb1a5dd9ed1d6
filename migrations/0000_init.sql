CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`prefix` text NOT NULL,
	`key_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`revoked_at` text,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_prefix` ON `api_keys` (`prefix`);--> statement-breakpoint
CREATE INDEX `api_keys_account` ON `api_keys` (`account_id`);--> statement-breakpoint
CREATE TABLE `attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`delivery_id` text NOT NULL,
	`n` integer NOT NULL,
	`at` text NOT NULL,
	`response_status` integer,
	`response_body` text,
	`error` text,
	`duration_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `attempts_delivery` ON `attempts` (`delivery_id`,`n`);--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`event_id` text NOT NULL,
	`hook_id` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_attempt_at` text,
	`next_attempt_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `deliveries_account_id` ON `deliveries` (`account_id`,`id`);--> statement-breakpoint
CREATE INDEX `deliveries_event` ON `deliveries` (`event_id`);--> statement-breakpoint
CREATE INDEX `deliveries_hook` ON `deliveries` (`hook_id`,`id`);--> statement-breakpoint
CREATE INDEX `deliveries_hook_status` ON `deliveries` (`hook_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `deliveries_account_created` ON `deliveries` (`account_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `event_types` (
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`application_level` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`account_id`, `name`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`applications` text,
	`work_id` text,
	`idempotency_key` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `events_account_id` ON `events` (`account_id`,`id`);--> statement-breakpoint
CREATE INDEX `events_account_type` ON `events` (`account_id`,`type`,`id`);--> statement-breakpoint
CREATE INDEX `events_account_work` ON `events` (`account_id`,`work_id`);--> statement-breakpoint
CREATE TABLE `gate_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`work_id` text NOT NULL,
	`type` text NOT NULL,
	`approved` integer NOT NULL,
	`auth_id` text,
	`payload` text NOT NULL,
	`applications` text,
	`decisions` text NOT NULL,
	`context` text NOT NULL,
	`duration_ms` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `gate_runs_account_work` ON `gate_runs` (`account_id`,`work_id`);--> statement-breakpoint
CREATE TABLE `hooks` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`kind` text NOT NULL,
	`url` text,
	`slack_channel_id` text,
	`events` text NOT NULL,
	`applications` text,
	`fallback` integer DEFAULT false NOT NULL,
	`phase` text DEFAULT 'post' NOT NULL,
	`on_error` text DEFAULT 'reject' NOT NULL,
	`timeout_ms` integer,
	`enabled` integer DEFAULT true NOT NULL,
	`rate_limit_per_second` real,
	`payload_format` text DEFAULT 'envelope' NOT NULL,
	`headers` text DEFAULT '{}' NOT NULL,
	`metadata` text DEFAULT '{}' NOT NULL,
	`secret_sealed` text NOT NULL,
	`previous_secret_sealed` text,
	`previous_secret_expires_at` text,
	`state` text DEFAULT 'new' NOT NULL,
	`disabled_reason` text,
	`failing_since` text,
	`created_by` text,
	`updated_by` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hooks_account_name` ON `hooks` (`account_id`,`name`);--> statement-breakpoint
CREATE INDEX `hooks_account_id` ON `hooks` (`account_id`,`id`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`account_id` text NOT NULL,
	`key` text NOT NULL,
	`event_id` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`account_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `slack_connections` (
	`account_id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`team_name` text NOT NULL,
	`bot_user_id` text,
	`token_sealed` text NOT NULL,
	`status` text DEFAULT 'connected' NOT NULL,
	`error` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `slack_oauth_states` (
	`nonce` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`expires_at` text NOT NULL,
	`used_at` text
);
