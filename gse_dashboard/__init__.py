"""The GSE Strategy Dashboard: the strategy's delivery, membership and diversity over time."""
