"""The station engine: many port jobs at once over the license ledger. No Qt here."""
