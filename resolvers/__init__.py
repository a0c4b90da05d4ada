"""Plain async functions per domain. No Strawberry types here; rows are read through auth.enforce."""
