"""The engine and what every domain shares: sessions, clock, settings, tables, audit, errors, German texts."""
