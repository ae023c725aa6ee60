"""Use cases. Nothing here imports `telegram`: handlers call these and get plain data back."""
