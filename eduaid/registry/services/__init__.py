"""Writes on the registries. One module per registry; shared snapshot machinery in `snapshots`."""
