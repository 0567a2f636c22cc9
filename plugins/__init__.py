"""Built-in plugins of ``emergence``, installed as ``emergence_plugins`` and found by entry point."""
