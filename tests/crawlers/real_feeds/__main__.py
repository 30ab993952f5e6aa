"""Print the real-feed table kept in docs/crawlers.md: ``python -m tests.crawlers.real_feeds``."""

from tests.crawlers.real_feeds import load_files, markdown_table, score_file

print(markdown_table([score_file(entry) for entry in load_files()]))
