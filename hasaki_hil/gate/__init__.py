"""The gate: metrics, thresholds, verdicts, validation records and JUnit output."""
