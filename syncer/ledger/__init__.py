"""The ledger: the sync's memory (links, cursors, intents, quarantine, runs, leases, conflicts)."""
