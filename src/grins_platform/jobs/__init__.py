"""Jobs: work for one property, with a status workflow and line items."""
