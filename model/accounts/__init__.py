"""Accounts: logins with their delays and limits, passwords, the Benutzerverwaltung."""
