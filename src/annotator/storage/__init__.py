"""Persistence: SQLAlchemy models, migrations, and the store facade the CLI and GUI use."""
