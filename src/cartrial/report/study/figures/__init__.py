"""The report's own figures (matplotlib object API, no pyplot state), as PNG bytes."""
