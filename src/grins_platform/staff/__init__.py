"""Staff members (who works, where from, when, with what) and crews."""
