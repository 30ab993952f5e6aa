"""Cut a run's crawl files into unique-document chunks: at once, or source by source as crawls end.

The chunks are what the analyse tasks take, and the analyser groups reposts batch by
batch (``nlp.cluster``: which document founds a repost cluster, and so the cluster's id,
depends on which documents share a batch and on the order of the batches). So the
overlapped order must cut the very chunks the sequential order cuts, or the same day
gives other cluster ids:

* ``split_run`` (sequential: every crawl has ended): the crawl files in name order,
  merged (one copy per document id: the *last fetched*, in the place of the first), cut
  every ``chunk_size`` documents into ``docs-NNN.jsonl``.
* ``RunSplitter`` (overlapped): the same merge, fed one crawl file at a time as crawls
  end, in the same name order (a source that ends before one named earlier waits for
  it), and cut at the places ``split_run`` cuts and where the analyser starts a new batch
  (every ``batch_size`` documents within a chunk): each piece is handed to analysis as
  soon as it is whole, so the analyser sees the same batches in the same order. The one
  difference: a copy of a document fetched later than one already handed to analysis
  does not replace it (it would be analysed twice); it is counted as a duplicate.

``split.done`` (``runstore.SPLIT_MARKER``) says every crawl file of the run is in
chunks. A run that died before it (mid-crawl, in the overlapped order) has the first
pieces on disk, some perhaps analysed or indexed; ``split_run`` on it keeps them and
cuts the rest of the merge after them, so ``runstore.pending_work`` finishes the run
and no document is analysed twice. A piece is written whole (temporary name, rename)
and only then handed to analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flows import runstore
from flows.tasks import run_logger
from tinradar.schema import Document


@dataclass
class Split:
    """A run's crawl files merged into unique-document chunks."""

    chunks: list[Path] = field(default_factory=list)  # the chunks written by this call
    crawled: int = 0  # readable documents in the crawl files
    duplicates: int = 0  # of which the same id was seen before (one copy is kept)
    unreadable: int = 0  # lines of the crawl files that are not Documents (left in their file)


class RunSplitter:
    """The merge of ``split_run``, fed crawl file by crawl file, cut into pieces as they fill.

    ``sources``: the ids whose crawl files (``crawl-<id>.jsonl``) the run waits for; they
    are merged in file-name order whatever order their crawls end in.
    """

    def __init__(self, run_dir: Path, sources: list[str], chunk_size: int, batch_size: int | None = None) -> None:
        self.run_dir = run_dir
        self.chunk_size = chunk_size
        self.batch_size = min(batch_size or chunk_size, chunk_size)
        self.waiting = sorted(f"crawl-{sid}.jsonl" for sid in sources)
        self.ended: set[str] = set()
        self.taken: set[str] = set()
        self.docs: list[Document] = []  # the merge so far, one copy per id
        self.place: dict[str, int] = {}  # id → its place in ``docs``
        self.handed = 0  # docs[:handed] are in pieces on disk
        self.pieces = 0
        self.split = Split()

    def resume(self) -> None:
        """Take the pieces an earlier (dead) splitter of this run left on disk as already handed out."""
        pieces = sorted(self.run_dir.glob("docs-*.jsonl"))
        for path in pieces:
            for doc in runstore.read_documents(path)[0]:
                if doc.id not in self.place:
                    self.place[doc.id] = len(self.docs)
                    self.docs.append(doc)
        self.handed = len(self.docs)
        numbers = [int(p.stem.rsplit("-", 1)[-1]) for p in pieces if p.stem.rsplit("-", 1)[-1].isdigit()]
        self.pieces = max(numbers, default=-1) + 1

    def ended_crawl(self, source_id: str) -> list[Path]:
        """``source_id``'s crawl has ended (its file, if any, is final): merge what can be merged; the new pieces."""
        self.ended.add(f"crawl-{source_id}.jsonl")
        while self.waiting and self.waiting[0] in self.ended:
            self._take(self.waiting.pop(0))
        return self._cut(final=False)

    def finish(self) -> Split:
        """Merge every crawl file not merged yet (name order), cut the rest, write ``split.done``.

        Returns the run's counts and the pieces written by this call.
        """
        names = set(self.waiting) | {p.name for p in self.run_dir.glob("crawl-*.jsonl")}
        for name in sorted(names - self.taken):
            self._take(name)
        self.waiting = []
        self._cut(final=True)
        runstore.write_text(self.run_dir / runstore.SPLIT_MARKER, f"{len(self.docs)}\n")
        self.split.duplicates = self.split.crawled - len(self.docs)
        return self.split

    def _take(self, name: str) -> None:
        self.taken.add(name)
        path = self.run_dir / name
        if not path.exists():  # a source that failed before writing anything
            return
        docs, bad = runstore.read_documents(path)
        if bad:
            run_logger().warning("%s: %d unreadable lines, not analysed (kept in the file)", path, bad)
        self.split.crawled += len(docs)
        self.split.unreadable += bad
        for doc in docs:
            at = self.place.get(doc.id)
            if at is None:
                self.place[doc.id] = len(self.docs)
                self.docs.append(doc)
            elif at >= self.handed and doc.fetched_at >= self.docs[at].fetched_at:
                self.docs[at] = doc  # later fetched, not handed out yet: as split_run keeps it
        self.split.duplicates = self.split.crawled - len(self.docs)

    def _next_cut(self, start: int) -> int:
        """Where the piece starting at ``start`` ends: the next chunk or batch boundary of split_run's chunks."""
        chunk = start // self.chunk_size * self.chunk_size
        within = start - chunk
        return chunk + min((within // self.batch_size + 1) * self.batch_size, self.chunk_size)

    def _cut(self, final: bool) -> list[Path]:
        written: list[Path] = []
        while self.handed < len(self.docs):
            end = self._next_cut(self.handed)
            if end > len(self.docs):
                if not final:
                    break
                end = len(self.docs)
            path = self.run_dir / runstore.chunk_name("docs", self.pieces)
            runstore.write_jsonl(path, self.docs[self.handed : end])
            written.append(path)
            self.pieces += 1
            self.handed = end
        self.split.chunks += written
        return written


def split_run(run_dir: Path, chunk_size: int, batch_size: int | None = None) -> Split:
    """Merge a run's crawl files into unique-document chunks and write ``split.done``.

    The same article can come from a feed and a sitemap, or from two sources: one copy
    (the last fetched) is analysed. Chunks an earlier, dead run of the overlapped order
    left (``RunSplitter``) are kept, the rest cut after them; ``chunks`` are the ones
    written now. ``batch_size`` cuts pieces at the analyser's batches too (as the
    overlapped order does); default: chunks only.
    """
    splitter = RunSplitter(run_dir, [], chunk_size, batch_size)
    splitter.resume()
    return splitter.finish()
