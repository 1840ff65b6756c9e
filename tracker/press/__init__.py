"""Reading a press report into candidate ledger records (pure: reads, never writes).

``read_upload`` turns a pasted text or an uploaded .txt/.docx into text;
``extract`` turns the text into candidates (projects, partners, events,
regions), each with the exact sentence it comes from. Stages come from the one
verb table the fixtures use (``tracker.verbs``), never stronger than the words;
an amount goes on a record only where its sentence states it for that record.
``Lexicon`` holds the existing organisations and regions the candidates are
matched to, the way the ledger matches names (width variants, aliases).
"""

from .extract import Extraction, extract
from .lexicon import Lexicon
from .reading import UploadError, read_upload, sentences

__all__ = ["Extraction", "Lexicon", "UploadError", "extract", "read_upload", "sentences"]
