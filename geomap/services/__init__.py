"""Services between the CLI/web and the store, gazetteer and extractor: ingest and export."""
