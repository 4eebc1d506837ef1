"""The long-running service: scheduling of pipeline runs."""
