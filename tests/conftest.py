"""Suite-wide fixtures: test databases (SQLite and PostgreSQL) live in tests/dbs.py."""

pytest_plugins = ["pytester", "tests.dbs", "tests.redisdb"]
