"""Properties: where the work happens (address, irrigation system, access)."""
