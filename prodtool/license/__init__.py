"""Credential packages, License Lists, the license ledger, the authorization record.

No Qt and no ports here."""
