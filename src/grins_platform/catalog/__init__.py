"""Service catalog: offerings, pricing, vocabularies, customer price overrides."""
