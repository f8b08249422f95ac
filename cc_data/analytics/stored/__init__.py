"""Results stored at publish: the registry's mechanism (registry), and the list of every stored result with the
refresh a writer runs before it publishes (refresh)."""
