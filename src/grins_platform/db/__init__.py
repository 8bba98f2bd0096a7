"""Database layer: engine, sessions, repositories, unit of work, migrations."""
