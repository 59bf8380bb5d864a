"""PostgreSQL behind the core's storage ports: several deskbot instances on one database."""
