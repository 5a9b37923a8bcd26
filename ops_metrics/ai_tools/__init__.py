"""AI developer tools: one daily-partitioned asset per tool in the registry."""
