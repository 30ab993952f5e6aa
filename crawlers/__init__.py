"""crawlers stage (imports only the kernel, `tinradar`)."""
