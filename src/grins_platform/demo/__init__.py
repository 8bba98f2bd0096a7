"""Demo data: a realistic, reproducible five-season dataset (``grins seed-demo``)."""
