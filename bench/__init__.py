"""syncer's benchmark suite: scripts run against the sandboxes over loopback, never by pytest."""
