"""Print the real-page table kept in docs/crawlers.md: ``python -m tests.crawlers.real_pages``."""

from tests.crawlers.real_pages import load_pages, markdown_table, score_page

print(markdown_table([score_page(page) for page in load_pages()]))
