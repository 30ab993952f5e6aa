"""nlp stage (imports only the kernel, `tinradar`)."""
