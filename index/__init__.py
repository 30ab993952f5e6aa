"""index stage (imports only the kernel, `tinradar`)."""
